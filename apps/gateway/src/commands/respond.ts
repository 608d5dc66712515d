import { Response } from 'express';
import { AppError, COMMAND_FAILED, assertUnreachable, httpStatusOf } from '@points/contracts';
import { StoredCommand } from '@points/db';
import { CommandService, toResource } from './command-service';

export const statusUrlOf = (commandId: string) => `/api/commands/${commandId}`;

/**
 * 202 with a status URL; or, when the client asked to wait (`Prefer: wait=N`),
 * 200 with the succeeded command, the ledger's rejection with the status of its
 * code (SPEC §4: 422 for a business rule, 404, 403, 400), or still 202 when the
 * outcome is not ready in time.
 */
export async function respondWithCommand(res: Response, service: CommandService, accepted: StoredCommand, waitSeconds: number): Promise<void> {
  const statusUrl = statusUrlOf(accepted.id);
  res.setHeader('Location', statusUrl);
  if (waitSeconds === 0) {
    // Without a wait preference the answer is always 202, even if a worker was quicker than this response.
    res.status(202).json({ commandId: accepted.id, status: accepted.status, statusUrl });
    return;
  }
  const command = await service.waitForOutcome(accepted, waitSeconds);
  res.setHeader('Preference-Applied', `wait=${waitSeconds}`);
  switch (command.status) {
    case 'succeeded':
      res.status(200).json(toResource(command));
      return;
    case 'rejected':
      res.status(httpStatusOf(command.error?.code ?? 'INTERNAL')).json({ error: command.error, command: toResource(command) });
      return;
    case 'failed':
      throw new AppError(COMMAND_FAILED.code, COMMAND_FAILED.message, [{ message: 'see the command resource', commandId: command.id }]);
    case 'queued':
    case 'processing':
      res.status(202).json({ commandId: command.id, status: command.status, statusUrl });
      return;
    default:
      return assertUnreachable(command.status);
  }
}
