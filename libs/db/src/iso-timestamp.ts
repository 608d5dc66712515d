/**
 * A timestamp column as ISO 8601 text in UTC with microseconds: exact enough
 * to be a keyset cursor, where a JS Date (milliseconds) would skip or repeat rows.
 */
export const isoTimestamp = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
