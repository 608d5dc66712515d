// Watches balances while the faults run: every few hundred milliseconds the
// lowest balance of each kind of account straight from PostgreSQL, now and then
// the accounting and journal checks (they must hold after every committed
// transaction, not only at the end), and balances as users see them through
// the API (/api/me, /api/allocations/pool). A failed read (a server is down)
// is skipped; a negative or unbalanced one is a violation.
import { EntityManager } from '@mikro-orm/postgresql';
import { seededRandom } from '@points/testing';
import { Cast } from './cast';
import { CarefulClient } from './http-client';
import { accountingCheck, journalProblems, lowestBalances } from './sql';
import { sleep } from './stack';
import { Timeline } from './timeline';

export interface SamplerResult {
  sqlSamples: number;
  apiSamples: number;
  accountingSamples: number;
  journalSamples: number;
  violations: string[];
}

const negative = (value: string | null | undefined) => typeof value === 'string' && value.trim().startsWith('-');

export function startSampler(options: { em: EntityManager; cast: Cast; gatewayUrls: string[]; timeline: Timeline; seed: number }): { stop(): Promise<SamplerResult> } {
  const { em, cast, timeline } = options;
  const result: SamplerResult = { sqlSamples: 0, apiSamples: 0, accountingSamples: 0, journalSamples: 0, violations: [] };
  const violation = (message: string) => {
    if (result.violations.length < 50) timeline.note(`VIOLATION ${message}`);
    result.violations.push(`at ${timeline.now()} s: ${message}`);
  };
  let running = true;

  const fromSql = async () => {
    for (let round = 0; running; round++) {
      try {
        const low = await lowestBalances(em);
        result.sqlSamples += 1;
        for (const [kind, value] of Object.entries(low)) if (negative(value)) violation(`negative ${kind} balance in PostgreSQL: ${value}`);
        if (round % 5 === 0) {
          const unbalanced = (await accountingCheck(em)).filter((row) => !row.balanced);
          result.accountingSamples += 1;
          for (const row of unbalanced) violation(`accounting check unbalanced mid-run for tenant ${row.tenant_id}: net allocated ${row.net_allocated}, held ${row.held}`);
        }
        if (round % 20 === 0) {
          const problems = await journalProblems(em);
          result.journalSamples += 1;
          for (const p of problems.slice(0, 10)) violation(`journal check mid-run: ${p.account_type} ${p.account_id} v${p.version}: ${p.problem}`);
        }
      } catch {
        // PostgreSQL is down or restarting: nothing to read now.
      }
      await sleep(300);
    }
  };

  const fromApi = async () => {
    const rng = seededRandom(options.seed ^ 0x5a5a5a5a);
    const http = new CarefulClient(options.gatewayUrls, () => 0);
    while (running) {
      const tenant = cast.tenants[Math.floor(rng() * cast.tenants.length)];
      const people = [...tenant.leads, ...tenant.employees, ...tenant.managers];
      const person = people[Math.floor(rng() * people.length)];
      // The API's JSON, read loosely: only the balances matter here.
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const me = (await http.get('/api/me', person.token)) as any;
      if (me) {
        result.apiSamples += 1;
        if (negative(me.wallet?.balance) || negative(me.leadBudget?.balance)) violation(`negative balance seen through /api/me by ${person.email}: ${JSON.stringify(me)}`);
      }
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const pool = (await http.get('/api/allocations/pool', tenant.managers[0].token)) as any;
      if (pool) {
        result.apiSamples += 1;
        if (negative(pool.balance)) violation(`negative pool seen through /api/allocations/pool: ${JSON.stringify(pool)}`);
      }
      await sleep(500);
    }
  };

  const loops = Promise.all([fromSql(), fromApi()]);
  return {
    async stop() {
      running = false;
      await loops;
      return result;
    },
  };
}
