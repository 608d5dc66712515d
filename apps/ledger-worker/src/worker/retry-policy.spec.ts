import { MinimalJob } from 'bullmq';
import { ledgerBackoff } from '@points/queue';

const policy = { baseDelayMs: 200, maxDelayMs: 30_000, maxAttempts: 3 };
const outage = Object.assign(new Error('connection lost'), { code: 'ECONNRESET' });
const diskFull = Object.assign(new Error('could not extend file'), { code: '53100' });
const defect = new Error('bug');

/** A job as the backoff sees it: its data, kept across attempts as BullMQ keeps it in Redis. */
function fakeJob(failUpdates = false) {
  const job = {
    data: { commandId: 'c', type: 'award', tenantId: null } as Record<string, unknown>,
    async updateData(data: Record<string, unknown>) {
      if (failUpdates) throw new Error('Redis went away');
      job.data = data;
    },
  };
  return job as typeof job & MinimalJob;
}

describe('ledgerBackoff', () => {
  it('waits out an outage of any length, backing off to the cap', async () => {
    const backoff = ledgerBackoff(policy);
    const job = fakeJob();
    const delays = [];
    for (let attempt = 1; attempt <= 200; attempt++) delays.push(await backoff(attempt, 'ledger', attempt % 2 ? outage : diskFull, job));
    expect(delays.slice(0, 4)).toEqual([200, 400, 800, 1600]);
    expect(Math.max(...delays)).toBe(30_000);
    expect(delays).not.toContain(-1);
  });

  it('fails a job after maxAttempts defects, however many outage attempts came before', async () => {
    const backoff = ledgerBackoff(policy);
    const job = fakeJob();
    for (let attempt = 1; attempt <= 50; attempt++) await backoff(attempt, 'ledger', outage, job);
    expect(await backoff(51, 'ledger', defect, job)).toBeGreaterThan(0);
    expect(await backoff(52, 'ledger', defect, job)).toBeGreaterThan(0);
    expect(await backoff(53, 'ledger', defect, job)).toBe(-1);
    expect(job.data.defects).toBe(3);
  });

  it('keeps retrying when the tally cannot be written (Redis going away)', async () => {
    const backoff = ledgerBackoff(policy);
    expect(await backoff(10, 'ledger', defect, fakeJob(true))).toBeGreaterThan(0);
  });
});
