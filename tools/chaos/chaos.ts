// One chaos run, start to finish: the private stack, the cast, the workload and
// the balance sampler under the nemesis's seeded faults; then heal, wait until
// idle and check. The CLI (run.ts) and the jest spec both call runChaos.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EntityManager } from '@mikro-orm/postgresql';
import { createCast } from './cast';
import { CheckResult, Idleness, checkInvariants, waitUntilIdle } from './checker';
import { InflictedFault, planFaults, startNemesis } from './nemesis';
import { SamplerResult, startSampler } from './sampler';
import { ChaosStack, JWT_SECRET, startChaosStack } from './stack';
import { Timeline } from './timeline';
import { WorkloadResult, runWorkload } from './workload';

export interface ChaosOptions {
  seed: number;
  /** How long faults and new commands go on. */
  minutes: number;
  clients?: number;
  /** Longest wait for the system to become idle after the faults. */
  idleTimeoutMs?: number;
  print?: (line: string) => void;
  /** Keep the apps' logs (in runDir) even when the run passes. */
  keepLogs?: boolean;
}

export interface ChaosReport {
  seed: number;
  minutes: number;
  runDir: string;
  faults: InflictedFault[];
  workload: WorkloadResult;
  sampler: SamplerResult;
  idle: Idleness;
  check: CheckResult;
  unexpectedExits: ChaosStack['unexpectedExits'];
  violations: string[];
  seconds: number;
  text: string;
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const timeline = new Timeline(options.print);
  const durationMs = Math.round(options.minutes * 60_000);
  const runDir = mkdtempSync(join(tmpdir(), `points-chaos-${options.seed}-`));
  const plan = planFaults(options.seed, durationMs);
  timeline.note(`chaos run: seed ${options.seed}, ${options.minutes} min of faults (${plan.length} planned), logs in ${runDir}`);
  const stack = await startChaosStack({ runDir, timeline });
  let failed = true;
  try {
    const em = stack.db.orm.em as EntityManager;
    // Tokens outlive the run (the gateway accepts at most JWT_MAX_TTL_SECONDS, 24 h by default).
    const cast = await createCast(em, JWT_SECRET, Math.min(86_000, Math.ceil(durationMs / 1000) + 3_600));
    timeline.note(`stack up: 2 × gateway, ledger worker, notification worker; PostgreSQL :${stack.pg.port}, Redis :${stack.redis.port}; gateways ${stack.gatewayUrls.join(', ')}`);

    // The clock restarts with the faults: the schedule's times, and every time in the report, count from here.
    timeline.resetClock();
    timeline.note('faults and workload begin');
    const started = Date.now();
    const nemesis = startNemesis(stack, plan, timeline);
    const sampler = startSampler({ em, cast, gatewayUrls: stack.gatewayUrls, timeline, seed: options.seed });
    const workload = await runWorkload({
      seed: options.seed,
      clients: options.clients ?? 4,
      cast,
      gatewayUrls: stack.gatewayUrls,
      timeline,
      stopAt: started + durationMs,
      giveUpAt: started + durationMs + 120_000,
    });
    timeline.note(`workload stopped: ${workload.acked.length} commands acknowledged, ${workload.attempts} requests sent`);
    const faults = await nemesis.stop();
    await stack.heal();
    timeline.note('faults over, everything running; waiting until idle');
    const idle = await waitUntilIdle(em, timeline, options.idleTimeoutMs ?? 240_000);
    const samples = await sampler.stop();
    timeline.note(idle.idle ? `idle after ${idle.waitedSeconds.toFixed(1)} s; checking` : `NOT idle after ${idle.waitedSeconds.toFixed(0)} s; checking anyway`);
    const check = await checkInvariants(em, workload.acked);

    const violations = [
      ...samples.violations,
      ...workload.violations,
      ...(idle.idle ? [] : [`the system never became idle: ${JSON.stringify(idle.last)}`]),
      ...check.violations,
    ];
    const report: ChaosReport = {
      seed: options.seed,
      minutes: options.minutes,
      runDir,
      faults,
      workload,
      sampler: samples,
      idle,
      check,
      unexpectedExits: stack.unexpectedExits,
      violations,
      seconds: timeline.now(),
      text: '',
    };
    report.text = formatReport(report);
    failed = violations.length > 0;
    return report;
  } finally {
    await stack.close();
    if (!options.keepLogs && !failed) rmSync(runDir, { recursive: true, force: true });
  }
}

export function formatReport(report: ChaosReport): string {
  const lines: string[] = [];
  const { workload, check } = report;
  lines.push('', '================ chaos report ================');
  lines.push(`seed ${report.seed}, ${report.minutes} min of faults, ${report.seconds.toFixed(0)} s in all`);
  lines.push('', `faults (${report.faults.length}; seconds since the faults began: start → healed):`);
  for (const f of report.faults) lines.push(`  ${f.startedAt.toFixed(1).padStart(6)} → ${f.endedAt.toFixed(1).padStart(6)}  ${f.description}`);
  if (report.unexpectedExits.length > 0) {
    lines.push('', 'apps that exited without being told to (restarted):');
    for (const e of report.unexpectedExits) lines.push(`  ${e.t.toFixed(1)} s ${e.app} ${e.how}`);
  }
  lines.push('', `commands: ${workload.planned} sent, ${workload.acked.length} acknowledged, ${workload.refused.length} refused by the gateway, ${workload.gaveUp.length} given up; ${workload.attempts} HTTP attempts, ${workload.resends} deliberate resends under a used key`);
  lines.push(`database: ${check.commandsInDatabase} commands, ${check.redelivered} applied after more than one attempt, ${check.unacknowledged} stored but never acknowledged to the client`);
  lines.push(`scheduler: ${check.scheduledRuns.submitted} top-up runs submitted by the ledger worker, ${check.scheduledRuns.allocated} of them allocated`);
  lines.push('acknowledged commands by type and outcome:');
  for (const [label, outcomes] of Object.entries(check.outcomes).sort()) {
    const total = Object.values(outcomes).reduce((a, b) => a + b, 0);
    lines.push(`  ${label.padEnd(32)} ${String(total).padStart(5)}  ${Object.entries(outcomes).sort().map(([o, n]) => `${o}: ${n}`).join(', ')}`);
  }
  if (workload.refused.length > 0) {
    const refused = new Map<string, number>();
    for (const r of workload.refused) refused.set(`${r.label} ${r.status} ${r.code}`, (refused.get(`${r.label} ${r.status} ${r.code}`) ?? 0) + 1);
    lines.push('refused by the gateway: ' + [...refused].map(([k, n]) => `${k} ×${n}`).join('; '));
  }
  if (workload.gaveUp.length > 0) lines.push(`given up: ${workload.gaveUp.slice(0, 5).map((g) => `${g.label} ${g.key} (${g.lastProblem})`).join('; ')}`);
  const s = report.sampler;
  lines.push(`balance samples: ${s.sqlSamples} from SQL, ${s.apiSamples} through the API, accounting check ${s.accountingSamples}×, journal check ${s.journalSamples}× mid-run; lowest at the end: pool ${check.lowest.pool}, lead budget ${check.lowest.leadBudget}, wallet ${check.lowest.wallet}`);
  lines.push(`idle ${report.idle.idle ? `after ${report.idle.waitedSeconds.toFixed(1)} s` : `NEVER (${JSON.stringify(report.idle.last)})`}`);
  lines.push('');
  if (report.violations.length === 0) lines.push(`VERDICT: PASS — 0 violations (seed ${report.seed})`);
  else {
    lines.push(`VERDICT: FAIL — ${report.violations.length} violation(s) (seed ${report.seed}; app logs kept in ${report.runDir}):`);
    for (const v of report.violations) lines.push(`  - ${v}`);
  }
  lines.push('==============================================');
  return lines.join('\n');
}
