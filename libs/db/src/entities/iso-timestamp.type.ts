import type { EntityManager } from '@mikro-orm/postgresql';
import { Type, ValidationError } from '@mikro-orm/core';

/**
 * A timestamptz as ISO 8601 text in UTC with microseconds, e.g.
 * `2026-11-24T10:00:00.123456Z` — the gateway's `to_char(... 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.
 * Keyset cursors compare `(created_at, id)`, and a JS Date (milliseconds) would skip
 * or repeat rows. The text sorts like the instant it names.
 */
export type IsoTimestamp = string;

const CANONICAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

// PostgreSQL's output (DateStyle ISO, the default) in any session TimeZone — offsets
// such as +00, +05:45 or the +00:19:32 of local mean time — and ISO 8601 input. The
// zone is required: without one PostgreSQL would read the text in the session's TimeZone.
const ZONED = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(?:(Z)|([+-])(\d{2})(?::?(\d{2}))?(?::(\d{2}))?)$/;

/** Any zoned timestamp text as the canonical UTC form; throws on anything else. */
export function toIsoTimestamp(text: string): IsoTimestamp {
  const m = ZONED.exec(text);
  const invalid = () => new ValidationError(`not an ISO timestamp with a time zone: ${JSON.stringify(text)}`);
  if (!m) throw invalid();
  const [, year, month, day, hour, minute, second, fraction = '', zulu, sign, offH = '0', offM = '0', offS = '0'] = m;
  const fields = [year, month, day, hour, minute, second].map(Number);
  // setUTCFullYear, unlike Date.UTC, takes years below 100 literally.
  const local = new Date(0);
  local.setUTCFullYear(fields[0], fields[1] - 1, fields[2]);
  local.setUTCHours(fields[3], fields[4], fields[5]);
  const roundTrip = [local.getUTCFullYear(), local.getUTCMonth() + 1, local.getUTCDate(), local.getUTCHours(), local.getUTCMinutes(), local.getUTCSeconds()];
  if (roundTrip.some((value, i) => value !== fields[i])) throw invalid();
  const offsetSeconds = zulu ? 0 : (sign === '-' ? -1 : 1) * (Number(offH) * 3600 + Number(offM) * 60 + Number(offS));
  // Offsets are whole seconds, so the fraction passes through untouched; Date only does the calendar arithmetic.
  const utc = new Date(local.getTime() - offsetSeconds * 1000);
  const canonical = `${utc.toISOString().slice(0, 19)}.${fraction.padEnd(6, '0')}Z`;
  if (!CANONICAL.test(canonical)) throw invalid();
  return canonical;
}

/**
 * Converts in JS, from the text the pg driver returns for timestamptz (MikroORM's
 * PostgreSQL driver turns off its Date parsing). Not in SQL: MikroORM would put a
 * `convertToJSValueSQL` expression into WHERE and ORDER BY too, where no index could
 * serve it. The price: `qb.execute()`, which maps rows without hydrating entities,
 * returns the driver's text (same instant, PostgreSQL's format).
 */
export class IsoTimestampType extends Type<IsoTimestamp | null, string | null> {
  override getColumnType(): string {
    return 'timestamptz';
  }

  override convertToJSValue(value: string | null): IsoTimestamp | null {
    return value == null ? null : toIsoTimestamp(value);
  }

  // Canonical text carries its zone, so a WHERE compares instants whatever the session's TimeZone.
  override convertToDatabaseValue(value: IsoTimestamp | null): string | null {
    return value == null ? null : toIsoTimestamp(value);
  }

  override compareAsType(): string {
    return 'string';
  }

  override get runtimeType(): string {
    return 'string';
  }
}

/** A timestamptz as PostgreSQL's text hands it (or a Date), as a JS Date (to the millisecond). */
export const dateOf = (value: string | Date): Date => (value instanceof Date ? value : new Date(toIsoTimestamp(value)));

/** The database's clock (its transaction's start, inside a transaction): what jobs that decide by time read, so every process agrees. */
export const databaseNow = async (em: EntityManager): Promise<Date> => dateOf((await em.execute<{ now: string }[]>('SELECT now() AS now'))[0].now);
