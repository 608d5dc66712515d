import { InferEntity, defineEntity } from '@mikro-orm/core';
import { boolean, createdAt, integer, money, nullable, oneOf, references, text, timestamp } from './columns';
import { AcceptedCommandSchema } from './accepted-command';
import { btreeIndex, table } from './table';
import { TenantSchema } from './tenant';
import { UserSchema } from './user';

/**
 * A recurring allocation to a tenant (monthly, cron or top-up). Its terms change
 * in place, by the ledger with the row locked; `next_run_at` is a calendar
 * schedule's next period due, `runs` how many periods it allocated.
 */
export const AllocationScheduleSchema = table(
  'AllocationSchedule',
  'allocation_schedules',
  {
    tenantId: references(TenantSchema, 'tenant_id', 'allocation_schedules_tenant_id_fkey'),
    cadence: oneOf(['monthly', 'cron', 'top_up']),
    cron: nullable(text()),
    timeZone: text(),
    amount: nullable(money()),
    topUpTo: nullable(money()),
    whenBelow: nullable(money()),
    currency: text(),
    referenceNote: text(),
    invoicePattern: nullable(text()),
    ownerId: references(UserSchema, 'owner_id', 'allocation_schedules_owner_id_fkey'),
    paused: boolean().defaultRaw('false'),
    deletedAt: nullable(timestamp()),
    nextRunAt: nullable(timestamp()),
    lastRunAt: nullable(timestamp()),
    runs: integer().defaultRaw('0'),
  },
  {
    checks: [
      { name: 'allocation_schedules_amount_check', expression: 'amount > (0)::numeric' },
      { name: 'allocation_schedules_top_up_to_check', expression: 'top_up_to > (0)::numeric' },
      { name: 'allocation_schedules_when_below_check', expression: '(when_below > (0)::numeric) AND (when_below <= top_up_to)' },
      { name: 'allocation_schedules_runs_check', expression: 'runs >= 0' },
      { name: 'allocation_schedules_calendar_check', expression: "((cadence = 'top_up'::text) = (amount IS NULL)) AND ((cadence = 'top_up'::text) = (next_run_at IS NULL))" },
      { name: 'allocation_schedules_top_up_check', expression: "((cadence = 'top_up'::text) = (top_up_to IS NOT NULL)) AND ((cadence = 'top_up'::text) = (when_below IS NOT NULL))" },
      { name: 'allocation_schedules_cron_check', expression: "(cadence = 'cron'::text) = (cron IS NOT NULL)" },
    ],
    indexes: [
      btreeIndex('allocation_schedules', 'allocation_schedules_due', 'next_run_at', { where: '(deleted_at IS NULL) AND (NOT paused)' }),
      btreeIndex('allocation_schedules', 'allocation_schedules_tenant', 'tenant_id, created_at'),
    ],
  },
);
export type AllocationSchedule = InferEntity<typeof AllocationScheduleSchema>;

/** One period a schedule allocated, keyed by (schedule, period): a period is allocated once. Append-only. */
export const AllocationScheduleRunSchema = defineEntity({
  name: 'AllocationScheduleRun',
  tableName: 'allocation_schedule_runs',
  properties: {
    scheduleId: references(AllocationScheduleSchema, 'schedule_id', 'allocation_schedule_runs_schedule_id_fkey').primary(),
    periodKey: text().primary(),
    tenantId: references(TenantSchema, 'tenant_id', 'allocation_schedule_runs_tenant_id_fkey'),
    commandId: references(AcceptedCommandSchema, 'command_id', 'allocation_schedule_runs_command_id_fkey').unique('allocation_schedule_runs_command_id_key'),
    amount: money(),
    createdAt: createdAt(),
  },
  checks: [{ name: 'allocation_schedule_runs_amount_check', expression: 'amount > (0)::numeric' }],
});
export type AllocationScheduleRun = InferEntity<typeof AllocationScheduleRunSchema>;
