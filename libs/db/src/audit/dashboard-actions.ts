import { EntityManager } from '@mikro-orm/postgresql';

export interface DashboardAction {
  actorId: string;
  /** What was asked, e.g. `queue_dashboard.retry`. */
  action: string;
  details: Record<string, unknown>;
  requestId: string | null;
}

/**
 * An operator's action in the queue dashboard (retry, clean, add a job…), as an
 * audit row of its own: it has no ledger event, so its event_id is fresh and the
 * notification check leaves `queue_dashboard.*` rows out of its event matching.
 * Written before the action runs, so no action goes unrecorded.
 */
export async function recordDashboardAction(em: EntityManager, action: DashboardAction): Promise<void> {
  await em.fork().execute(
    `INSERT INTO audit_log (id, event_id, tenant_id, actor_id, action, entity_type, entity_id, before, after, request_id)
     VALUES (gen_random_uuid(), gen_random_uuid(), NULL, ?, ?, 'queue', NULL, NULL, ?::jsonb, ?)`,
    [action.actorId, action.action, JSON.stringify(action.details), action.requestId],
    'run',
  );
}
