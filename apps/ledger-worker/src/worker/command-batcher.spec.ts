import { CommandOutcome } from '@points/contracts';
import { CommandBatcher } from './command-batcher';

const succeeded = (id: string): CommandOutcome => ({ status: 'succeeded', result: { id } as never });

/** A fake ledger: records each batch, and which batches ran at the same time, and finishes them when told to. */
function fakeLedger(fail: (ids: string[]) => boolean = () => false) {
  const batches: string[][] = [];
  const running = new Set<string[]>();
  const runningTogether: string[][][] = [];
  const finishers: { ids: string[]; finish: () => void }[] = [];
  const apply = (ids: string[]) => {
    batches.push(ids);
    running.add(ids);
    runningTogether.push([...running]);
    return new Promise<Map<string, CommandOutcome>>((resolve, reject) => {
      finishers.push({
        ids,
        finish: () => {
          running.delete(ids);
          if (fail(ids)) reject(new Error(`batch ${ids.join(',')} failed`));
          else resolve(new Map(ids.map((id) => [id, succeeded(id)])));
        },
      });
    });
  };
  /** Finishes the running batches that match, once. */
  const finishOnly = (which: (ids: string[]) => boolean) => {
    for (const finisher of finishers.filter((f) => which(f.ids))) {
      finishers.splice(finishers.indexOf(finisher), 1);
      finisher.finish();
    }
  };
  const finishAll = async () => {
    while (finishers.length > 0) {
      finishOnly(() => true);
      await new Promise((r) => setImmediate(r));
    }
  };
  return { apply, batches, runningTogether, finishOnly, finishAll };
}

it('applies a command that arrives alone at once, in a batch of its own', async () => {
  const ledger = fakeLedger();
  const outcome = new CommandBatcher(ledger.apply).submit('a', 'T');
  expect(ledger.batches).toEqual([['a']]);
  await ledger.finishAll();
  await expect(outcome).resolves.toEqual(succeeded('a'));
});

it('groups the commands that arrive while transactions run into the next transaction', async () => {
  const ledger = fakeLedger();
  const batcher = new CommandBatcher(ledger.apply, { maxInFlight: 1 });
  const outcomes = ['a', 'b', 'c', 'd'].map((id) => batcher.submit(id, 'T'));
  expect(ledger.batches).toEqual([['a']]);
  await ledger.finishAll();
  expect(ledger.batches).toEqual([['a'], ['b', 'c', 'd']]);
  expect(await Promise.all(outcomes)).toEqual(['a', 'b', 'c', 'd'].map(succeeded));
});

it('never two transactions for a tenant at once, at most maxInFlight in all, at most maxBatch commands each; the waiting commands of every free tenant go together', async () => {
  const ledger = fakeLedger();
  const batcher = new CommandBatcher(ledger.apply, { maxInFlight: 2, maxBatch: 3 });
  // Command ids start with their tenant's letter.
  const ids = ['a1', 'b1', 'c1', 'a2', 'a3', 'a4', 'a5', 'b2', 'c2', 'a6'];
  const outcomes = ids.map((id) => batcher.submit(id, id[0].toUpperCase()));
  expect(ledger.batches).toEqual([['a1'], ['b1']]);
  await ledger.finishAll();

  expect(ledger.batches.flat().sort()).toEqual([...ids].sort());
  for (const batch of ledger.batches) expect(batch.length).toBeLessThanOrEqual(3);
  for (const together of ledger.runningTogether) {
    expect(together.length).toBeLessThanOrEqual(2);
    const tenants = together.flatMap((batch) => [...new Set(batch.map((id) => id[0]))]);
    expect(new Set(tenants).size).toBe(tenants.length);
  }
  // Each tenant's commands in arrival order; ten commands in six transactions, one of them for two tenants.
  for (const tenant of ['a', 'b', 'c']) expect(ledger.batches.flat().filter((id) => id[0] === tenant)).toEqual(ids.filter((id) => id[0] === tenant));
  expect(ledger.batches).toEqual([['a1'], ['b1'], ['c1', 'c2', 'a2'], ['b2'], ['a3', 'a4', 'a5'], ['a6']]);
  expect(await Promise.all(outcomes)).toEqual(ids.map(succeeded));
});

it('tenants take turns: one with a long backlog does not keep the others out of the next transaction', async () => {
  const ledger = fakeLedger();
  const batcher = new CommandBatcher(ledger.apply, { maxInFlight: 1, maxBatch: 3 });
  const outcomes = ['a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'b1'].map((id) => batcher.submit(id, id[0].toUpperCase()));
  await ledger.finishAll();
  expect(ledger.batches).toEqual([['a0'], ['a1', 'a2', 'a3'], ['b1', 'a4', 'a5'], ['a6']]);
  await Promise.all(outcomes);
});

it('a transaction for several tenants that fails (a lock held elsewhere) sends each back to run alone: one still blocked holds back only itself', async () => {
  const ledger = fakeLedger((ids) => new Set(ids.map((id) => id[0])).size > 1);
  const shared: boolean[] = [];
  const batcher = new CommandBatcher(
    (ids, isShared) => {
      shared.push(isShared);
      return ledger.apply(ids);
    },
    { maxInFlight: 2 },
  );
  // Both slots busy, so the next three wait and go together.
  const busy = [batcher.submit('first', 'F'), batcher.submit('second', 'G')];
  const others = ['a1', 'b1', 'c1'].map((id) => batcher.submit(id, id[0].toUpperCase()));
  ledger.finishOnly((ids) => ids[0] === 'first' || ids[0] === 'second');
  await Promise.all(busy);
  expect(ledger.batches.slice(2)).toEqual([['a1', 'b1', 'c1']]);
  ledger.finishOnly((ids) => ids.length === 3); // it fails
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  // Each now runs alone, a slot each: A stays blocked while B, then C, go through.
  expect(ledger.batches.slice(3)).toEqual([['a1'], ['b1']]);
  for (let i = 0; i < 5; i++) {
    ledger.finishOnly((ids) => ids[0] !== 'a1');
    await new Promise((r) => setImmediate(r));
  }
  expect(ledger.batches.slice(3)).toEqual([['a1'], ['b1'], ['c1']]);
  await expect(Promise.all(others.slice(1))).resolves.toEqual([succeeded('b1'), succeeded('c1')]);
  await ledger.finishAll();
  await expect(others[0]).resolves.toEqual(succeeded('a1'));
  expect(shared).toEqual([false, false, true, false, false, false]);
});

it('an outage fails a transaction for several tenants as a whole: each job retries with its backoff, none is tried again here', async () => {
  const outage = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
  const batches: string[][] = [];
  let release!: () => void;
  const first = new Promise<void>((resolve) => (release = resolve));
  const batcher = new CommandBatcher(
    async (ids) => {
      batches.push(ids);
      if (ids[0] === 'first') await first;
      throw outage;
    },
    { maxInFlight: 1 },
  );
  const settled = Promise.allSettled(['first', 'a1', 'b1', 'c1'].map((id, i) => batcher.submit(id, i === 0 ? 'F' : id[0].toUpperCase())));
  release();
  expect((await settled).map((s) => s.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
  expect(batches).toEqual([['first'], ['a1', 'b1', 'c1']]);
});

it('retries a failed batch one command at a time: only the command that keeps failing fails', async () => {
  const ledger = fakeLedger((ids) => ids.includes('bad'));
  const batcher = new CommandBatcher(ledger.apply, { maxInFlight: 1 });
  const settled = Promise.allSettled(['first', 'x', 'bad', 'y'].map((id) => batcher.submit(id, 'T')));
  await ledger.finishAll();
  expect(await settled).toEqual([
    { status: 'fulfilled', value: succeeded('first') },
    { status: 'fulfilled', value: succeeded('x') },
    { status: 'rejected', reason: new Error('batch bad failed') },
    { status: 'fulfilled', value: succeeded('y') },
  ]);
  expect(ledger.batches).toEqual([['first'], ['x', 'bad', 'y'], ['x'], ['bad'], ['y']]);
});

it('rejects a command the ledger does not know', async () => {
  const batcher = new CommandBatcher(async () => new Map(), { notFoundForMs: 100 });
  await expect(batcher.submit('ghost', null)).rejects.toThrow('command ghost does not exist');
});

it('looks again for a command not visible yet (its job can arrive a moment before the transaction that stores it commits)', async () => {
  let visible = false;
  const batcher = new CommandBatcher(async (ids) => new Map(visible ? ids.map((id) => [id, succeeded(id)]) : []));
  const outcome = batcher.submit('late', 'T');
  await new Promise((r) => setTimeout(r, 80));
  visible = true;
  await expect(outcome).resolves.toEqual(succeeded('late'));
});
