import { CommandOutcome } from '@points/contracts';
import { CommandBatcher } from './command-batcher';

const succeeded = (id: string): CommandOutcome => ({ status: 'succeeded', result: { id } as never });

/** A fake ledger: records each batch and finishes it when told to. */
function fakeLedger(fail: (ids: string[]) => boolean = () => false) {
  const batches: string[][] = [];
  const finishers: (() => void)[] = [];
  const apply = (ids: string[]) => {
    batches.push(ids);
    return new Promise<Map<string, CommandOutcome>>((resolve, reject) => {
      finishers.push(() => (fail(ids) ? reject(new Error(`batch ${ids.join(',')} failed`)) : resolve(new Map(ids.map((id) => [id, succeeded(id)])))));
    });
  };
  const finishAll = async () => {
    while (finishers.length > 0) {
      finishers.splice(0).forEach((finish) => finish());
      await new Promise((r) => setImmediate(r));
    }
  };
  return { apply, batches, finishAll };
}

it('applies a command that arrives alone at once, in a batch of its own', async () => {
  const ledger = fakeLedger();
  const outcome = new CommandBatcher(ledger.apply).submit('a');
  expect(ledger.batches).toEqual([['a']]);
  await ledger.finishAll();
  await expect(outcome).resolves.toEqual(succeeded('a'));
});

it('groups the commands that arrive while transactions run into the next transaction', async () => {
  const ledger = fakeLedger();
  const batcher = new CommandBatcher(ledger.apply, { maxInFlight: 1 });
  const outcomes = ['a', 'b', 'c', 'd'].map((id) => batcher.submit(id));
  expect(ledger.batches).toEqual([['a']]);
  await ledger.finishAll();
  expect(ledger.batches).toEqual([['a'], ['b', 'c', 'd']]);
  expect(await Promise.all(outcomes)).toEqual(['a', 'b', 'c', 'd'].map(succeeded));
});

it('runs at most maxInFlight transactions, each with at most maxBatch commands', async () => {
  const ledger = fakeLedger();
  const batcher = new CommandBatcher(ledger.apply, { maxInFlight: 2, maxBatch: 3 });
  const outcomes = Array.from({ length: 10 }, (_, i) => batcher.submit(`c${i}`));
  expect(ledger.batches).toEqual([['c0'], ['c1']]);
  await ledger.finishAll();
  expect(ledger.batches.slice(2)).toEqual([
    ['c2', 'c3', 'c4'],
    ['c5', 'c6', 'c7'],
    ['c8', 'c9'],
  ]);
  expect(await Promise.all(outcomes)).toHaveLength(10);
});

it('retries a failed batch one command at a time: only the command that keeps failing fails', async () => {
  const ledger = fakeLedger((ids) => ids.includes('bad'));
  const batcher = new CommandBatcher(ledger.apply, { maxInFlight: 1 });
  const settled = Promise.allSettled(['first', 'x', 'bad', 'y'].map((id) => batcher.submit(id)));
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
  const batcher = new CommandBatcher(async () => new Map());
  await expect(batcher.submit('ghost')).rejects.toThrow('command ghost does not exist');
});
