import { z } from 'zod';

// A bulk award as uploaded (JSON, or the same rows as text/csv). Only the
// envelope is checked at the door: each row's user and amount are checked by
// the job, so a bad row is a per-row error with its number, not a 400.

export const MAX_BULK_ROWS = 100_000;

export const BulkAwardRow = z.object({
  userId: z.string().max(254).optional().describe('a user id, or leave it out and give email'),
  email: z.string().max(254).optional(),
  amount: z.union([z.string().max(40), z.number()]).optional().describe('a decimal greater than 0 with at most 2 places'),
  description: z.string().max(500).optional(),
});

export const BulkAwardBody = z
  .object({
    description: z.string().trim().min(1).max(500).optional(),
    items: z.array(BulkAwardRow.passthrough()).min(1).max(MAX_BULK_ROWS),
  })
  .strict();

export const BulkAwardCsv = z
  .string()
  .describe('header userId,amount,description (or email in place of userId); ?description= names the whole award');
