import { GroupCommit } from '@points/db';

/** A write that records each batch it was given and finishes when told to. */
function recordingWrite() {
  const batches: number[][] = [];
  const pending: (() => void)[] = [];
  const write = (items: number[]) =>
    new Promise<string[]>((resolve) => {
      batches.push(items);
      pending.push(() => resolve(items.map((item) => `stored ${item}`)));
    });
  const finishAll = () => pending.splice(0).forEach((finish) => finish());
  return { batches, write, finishAll };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('GroupCommit', () => {
  it('writes a lone item at once: no timer delays it', async () => {
    const { batches, write, finishAll } = recordingWrite();
    const group = new GroupCommit(write);
    const result = group.submit(1);
    expect(batches).toEqual([[1]]);
    finishAll();
    await expect(result).resolves.toBe('stored 1');
  });

  it('items arriving while batches are written go together into the next one, each answered with its own result', async () => {
    const { batches, write, finishAll } = recordingWrite();
    const group = new GroupCommit(write, { maxInFlight: 1, maxBatch: 3 });
    const results = [1, 2, 3, 4, 5, 6].map((item) => group.submit(item));
    expect(batches).toEqual([[1]]);
    finishAll();
    await settle();
    expect(batches).toEqual([[1], [2, 3, 4]]);
    finishAll();
    await settle();
    expect(batches).toEqual([[1], [2, 3, 4], [5, 6]]);
    finishAll();
    await expect(Promise.all(results)).resolves.toEqual([1, 2, 3, 4, 5, 6].map((item) => `stored ${item}`));
  });

  it('runs at most maxInFlight batches at once', () => {
    const { batches, write } = recordingWrite();
    const group = new GroupCommit(write, { maxInFlight: 2 });
    for (const item of [1, 2, 3, 4]) void group.submit(item);
    expect(batches).toEqual([[1], [2]]);
  });

  it('a batch one item broke is tried again in halves: only that item fails', async () => {
    const write = async (items: number[]) => {
      if (items.includes(13)) throw Object.assign(new Error('violates a constraint'), { code: '23503' });
      return items.map((item) => `stored ${item}`);
    };
    const batches: number[][] = [];
    const group = new GroupCommit(
      (items: number[]) => {
        batches.push(items);
        return write(items);
      },
      { maxInFlight: 1, splitOn: (error) => (error as { code?: string }).code === '23503' },
    );
    const first = group.submit(1);
    const rest = [10, 11, 12, 13, 14, 15, 16, 17].map((item) => group.submit(item).catch((error: Error) => error.message));
    await first;
    await expect(Promise.all(rest)).resolves.toEqual(['stored 10', 'stored 11', 'stored 12', 'violates a constraint', 'stored 14', 'stored 15', 'stored 16', 'stored 17']);
    expect(batches).toEqual([[1], [10, 11, 12, 13, 14, 15, 16, 17], [10, 11, 12, 13], [10, 11], [12, 13], [12], [13], [14, 15, 16, 17]]);
  });

  it('an outage fails the whole batch at once, not an item at a time', async () => {
    let calls = 0;
    const write = async () => {
      calls += 1;
      throw new Error('connection refused');
    };
    const group = new GroupCommit<number, string>(write, { maxInFlight: 1, splitOn: () => false });
    const all = [1, 2, 3].map((item) => group.submit(item).catch((error: Error) => error.message));
    await expect(Promise.all(all)).resolves.toEqual(['connection refused', 'connection refused', 'connection refused']);
    expect(calls).toBe(2); // [1], then [2, 3]
  });
});
