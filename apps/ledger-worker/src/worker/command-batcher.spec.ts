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

it('batches one tenant at a time: never two transactions for a tenant at once, at most maxInFlight in all, at most maxBatch commands each', async () => {
  const ledger = fakeLedger();
  const batcher = new CommandBatcher(ledger.apply, { maxInFlight: 2, maxBatch: 3 });
  // Command ids start with their tenant's letter.
  const ids = ['a1', 'b1', 'c1', 'a2', 'a3', 'a4', 'a5', 'b2', 'c2', 'a6'];
  const outcomes = ids.map((id) => batcher.submit(id, id[0].toUpperCase()));
  expect(ledger.batches).toEqual([['a1'], ['b1']]);
  await ledger.finishAll();

  expect(ledger.batches.flat().sort()).toEqual([...ids].sort());
  for (const batch of ledger.batches) {
    expect(batch.length).toBeLessThanOrEqual(3);
    expect(new Set(batch.map((id) => id[0])).size).toBe(1);
  }
  for (const together of ledger.runningTogether) {
    expect(together.length).toBeLessThanOrEqual(2);
    const tenants = together.map((batch) => batch[0][0]);
    expect(new Set(tenants).size).toBe(tenants.length);
  }
  // Tenant A's six commands went in three transactions, not six, and in arrival order.
  expect(ledger.batches.filter((batch) => batch[0][0] === 'a')).toEqual([['a1'], ['a2', 'a3', 'a4'], ['a5', 'a6']]);
  expect(await Promise.all(outcomes)).toEqual(ids.map(succeeded));
});

it('a tenant whose transaction is stuck holds back only its own commands', async () => {
  const ledger = fakeLedger();
  const batcher = new CommandBatcher(ledger.apply, { maxInFlight: 2 });
  void batcher.submit('stuck', 'A');
  const others = ['b1', 'b2', 'b3'].map((id) => batcher.submit(id, 'B'));
  const moreOfA = batcher.submit('a2', 'A');
  expect(ledger.batches).toEqual([['stuck'], ['b1']]);
  // Finish only B's transactions; A's stays open.
  const finishB = async () => {
    for (let i = 0; i < 5; i++) {
      ledger.finishOnly((ids) => ids[0].startsWith('b'));
      await new Promise((r) => setImmediate(r));
    }
  };
  await finishB();
  expect(await Promise.all(others)).toEqual(['b1', 'b2', 'b3'].map(succeeded));
  expect(ledger.batches).toEqual([['stuck'], ['b1'], ['b2', 'b3']]);
  await ledger.finishAll();
  await expect(moreOfA).resolves.toEqual(succeeded('a2'));
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
