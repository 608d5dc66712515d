import express, { RequestHandler } from 'express';
import { Logger } from '@points/config';
import { AppError } from '@points/contracts';
import { Orm, recordDashboardAction } from '@points/db';
import { callerOf } from '../http/request-context';

/** bull-board's mutating endpoints end in one of these (…/:jobId/retry, …/clean/:status, …/pause). */
const VERBS = ['add', 'retry', 'promote', 'clean', 'pause', 'resume', 'concurrency', 'rate-limit', 'release', 'empty', 'obliterate', 'remove', 'run', 'update-data', 'delay', 'priority', 'remove-unprocessed-children', 'purge'];

/**
 * Every change made through the queue dashboard (anything but a read) is an
 * audit row naming the admin, written before the dashboard acts: if it cannot be
 * written, the action is refused (503) rather than done unrecorded. Mount after
 * the admin check, before the dashboard.
 */
export function auditDashboardActions(orm: Orm, logger: Logger): RequestHandler[] {
  return [
    express.json({ limit: '100kb', inflate: false }),
    async (req, res, next) => {
      if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return next();
      const segments = req.path.split('/').filter(Boolean);
      const verb = [...segments].reverse().find((segment) => VERBS.includes(segment)) ?? req.method.toLowerCase();
      // /api/queues/:queueName/:jobId/<verb> or /api/queues/:queueName/<verb>[/…] or /api/queues/<verb>
      const [, , queue, jobOrVerb] = segments;
      const isName = (segment: string | undefined) => Boolean(segment) && !VERBS.includes(segment as string) && segment !== 'job-schedulers';
      const details = {
        method: req.method,
        path: req.path,
        queue: isName(queue) ? queue : null,
        jobId: isName(queue) && isName(jobOrVerb) ? jobOrVerb : null,
        body: req.body ?? null,
      };
      try {
        await recordDashboardAction(orm.em, { actorId: callerOf(req).userId, action: `queue_dashboard.${verb}`, details, requestId: String(req.id ?? '') || null });
      } catch (err) {
        logger.error({ err }, 'could not record a queue dashboard action; refused');
        return next(new AppError('SERVICE_UNAVAILABLE', 'the action could not be recorded in the audit log, so it was not done; try again'));
      }
      res.on('finish', () => logger.info({ admin: callerOf(req).userId, ...details, body: undefined, status: res.statusCode }, 'queue dashboard action'));
      next();
    },
  ];
}
