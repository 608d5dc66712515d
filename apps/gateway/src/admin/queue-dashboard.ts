import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { Queue } from 'bullmq';
import { RequestHandler } from 'express';

export const DASHBOARD_PATH = '/admin/queues';

/** bull-board over every queue of the system; access control is the caller's job. */
export function queueDashboard(queues: Queue[]): RequestHandler {
  const adapter = new ExpressAdapter();
  adapter.setBasePath(DASHBOARD_PATH);
  createBullBoard({
    queues: queues.map((queue) => new BullMQAdapter(queue, { readOnlyMode: false })),
    serverAdapter: adapter,
    options: { uiConfig: { boardTitle: 'Points platform queues' } },
  });
  return adapter.getRouter() as RequestHandler;
}
