import { Request, Response } from 'express';
import { AppError } from '@points/contracts';
import { CommandRow, CommandService, toResource } from './command-service';

const MAX_WAIT_SECONDS = 30;

/** `Prefer: wait=N` (RFC 7240): N above 30 is capped at 30; a preference it cannot read is ignored, as the RFC asks. */
export function preferredWait(req: Request): number {
  const header = req.header('prefer');
  if (!header) return 0;
  const match = /(?:^|[,;\s])wait\s*=\s*(\d+)(?:$|[,;\s])/i.exec(header);
  if (!match) return 0;
  return Math.min(Number(match[1]), MAX_WAIT_SECONDS);
}

/**
 * 202 with a status URL; or, when the client asked to wait, 200 with the
 * succeeded command, 422 with the business rejection, or still 202 on timeout.
 */
export async function respondWithCommand(req: Request, res: Response, service: CommandService, accepted: CommandRow): Promise<void> {
  const statusUrl = `/api/commands/${accepted.id}`;
  res.setHeader('Location', statusUrl);
  const wait = preferredWait(req);
  if (wait === 0) {
    // Without a wait preference the answer is always 202, even if a worker was quicker than this response.
    res.status(202).json({ commandId: accepted.id, status: accepted.status, statusUrl });
    return;
  }
  const row = await service.waitForOutcome(accepted, wait);
  res.setHeader('Preference-Applied', `wait=${wait}`);
  if (row.status === 'succeeded') {
    res.status(200).json(toResource(row));
  } else if (row.status === 'rejected' && row.error) {
    res.status(422).json({ error: row.error, command: toResource(row) });
  } else if (row.status === 'failed') {
    throw new AppError('INTERNAL', 'the command could not be applied; nothing was changed', [{ message: 'see the command resource', commandId: row.id }]);
  } else {
    res.status(202).json({ commandId: row.id, status: row.status, statusUrl });
  }
}
