/**
 * A list of ids as one JSON parameter, so a statement costs the same whatever the
 * list's length: `WHERE id IN (${IDS})` with `idList(ids)` bound to its `?`.
 */
export const IDS = `SELECT jsonb_array_elements_text(?::jsonb)::uuid`;

/** Ids as that one JSON parameter: unique, and sorted (the order rows are locked in, where it matters). */
export const idList = (ids: readonly string[]): string => JSON.stringify([...new Set(ids)].sort());
