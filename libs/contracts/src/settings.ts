import { z } from 'zod';
import { Amount } from './money';

// A tenant's rules: its time zone and its spend limits. One schema validates the
// PUT body, the stored settings the ledger applies, and the settings in events.
// A tenant that never set anything has DEFAULT_SETTINGS: no limits, UTC.

/** An IANA zone name ("Europe/Berlin"), as the runtime's time-zone database knows it. */
export const TimeZone = z
  .string()
  .max(64)
  .regex(/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/, 'must be an IANA time zone such as Europe/Berlin')
  .refine(isKnownTimeZone, 'is not a time zone this server knows')
  // Stored as the time-zone database names it (europe/berlin → Europe/Berlin), so one zone is always one name.
  .transform((zone) => new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone)
  .meta({ example: 'Europe/Berlin' });

function isKnownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Calendar periods in the tenant's time zone: ISO weeks start on Monday; quarters on 1 January, April, July and October. */
export const LIMIT_PERIODS = ['week', 'month', 'quarter'] as const;
export const LimitPeriod = z.enum(LIMIT_PERIODS);
export type LimitPeriod = z.infer<typeof LimitPeriod>;

const PeriodCap = z.object({ amount: Amount, period: LimitPeriod }).strict();

export const SpendLimits = z
  .object({
    perAward: Amount.nullable().default(null).describe('most points in one award, recognition or bulk-award row'),
    perGiver: PeriodCap.nullable().default(null).describe('most points one person may give (awards, recognitions, bulk awards) per period'),
    perRecipient: PeriodCap.nullable().default(null).describe('most points one person may receive per period'),
    reciprocal: z
      .object({ maxAwards: z.number().int().min(0).max(1000), period: LimitPeriod })
      .strict()
      .nullable()
      .default(null)
      .describe('once A has given points to B in a period, how many times each may give points to the other in it (a return): B back to A, and A to B again once B has given back'),
  })
  .strict()
  .meta({ id: 'SpendLimits' });
export type SpendLimits = z.infer<typeof SpendLimits>;

export const ApprovalRule = z
  .object({
    threshold: Amount.describe('an award of more than this waits for an approver; its points are held on the source meanwhile'),
    windowHours: z.number().int().min(1).max(720).describe('a hold nobody decides within this many hours is released'),
  })
  .strict()
  .meta({ id: 'ApprovalRule' });

export const ReversalRule = z
  .object({ giverWindowHours: z.number().int().min(1).max(720).describe('a giver may reverse their own award or recognition within this many hours of it') })
  .strict()
  .meta({ id: 'ReversalRule' });

export const ExpiryRule = z
  .object({
    walletMonths: z
      .number()
      .int()
      .min(1)
      .max(120)
      .describe("earned points expire at the end of the month they turn this many months old, in the tenant's time zone (earned in January, 1 month: gone on 1 March)"),
    noticeDays: z.number().int().min(0).max(90).default(14).describe("this many days before points expire, a notice goes to the audit trail and GET /api/me lists them (0: none)"),
    reverseExpired: z
      .enum(['reject', 'what_remains'])
      .default('reject')
      .describe('an award reversed after part of its points expired: refused (reject), or what remains of it goes back (what_remains)'),
  })
  .strict()
  .meta({ id: 'ExpiryRule' });
export type ExpiryRule = z.infer<typeof ExpiryRule>;

export const BudgetReturnRule = z
  .object({
    period: LimitPeriod.describe("at the end of each such period, in the tenant's time zone, what lead budgets and department pools have available goes back to the tenant pool"),
  })
  .strict()
  .meta({ id: 'BudgetReturnRule' });

export const TenantSettings = z
  .object({
    timeZone: TimeZone.default('UTC'),
    limits: SpendLimits.default({ perAward: null, perGiver: null, perRecipient: null, reciprocal: null }),
    approvals: ApprovalRule.nullable().default(null),
    reversals: ReversalRule.nullable().default(null).describe('null: only tenant managers reverse awards'),
    expiry: ExpiryRule.nullable().default(null).describe('null: earned points never expire'),
    budgetReturn: BudgetReturnRule.nullable().default(null).describe('null: lead budgets and department pools keep what they have'),
  })
  .strict()
  .meta({ id: 'TenantSettings' });
export type TenantSettings = z.infer<typeof TenantSettings>;

export const DEFAULT_SETTINGS: TenantSettings = TenantSettings.parse({});

/** Whether any limit counts what was given or received over a period (so the ledger keeps tallies). */
export const hasPeriodLimits = (settings: TenantSettings): boolean => Boolean(settings.limits.perGiver || settings.limits.perRecipient || settings.limits.reciprocal);

/**
 * The body of PUT /api/settings: the settings whole. Each top-level part must be
 * given (`approvals: null` to have none), so a PUT meant to change a limit cannot
 * switch approvals off by leaving them out; within `limits`, a limit left out is none.
 * `reversals` (newer) may be left out: none, so only tenant managers reverse — leaving it
 * out can take a permission away, never grant one. So may `expiry` and `budgetReturn` (newest): none,
 * points never expire and budgets keep what they have.
 */
export const SettingsUpdate = z
  .object({ timeZone: TimeZone, limits: SpendLimits, approvals: ApprovalRule.nullable(), reversals: ReversalRule.nullable().default(null), expiry: ExpiryRule.nullable().default(null), budgetReturn: BudgetReturnRule.nullable().default(null) })
  .strict()
  .meta({ id: 'SettingsUpdate' });
