import { HeldBalance } from '@points/contracts';
import { AwardHold } from '@points/db';

/** The body of `award.hold_released`: a hold declined by an approver or expired, and its source after the release. */
export const holdReleased = (hold: AwardHold, decision: 'declined' | 'expired', reason: string | null, source: HeldBalance) => ({
  type: 'award.hold_released' as const,
  tenantId: hold.tenantId,
  approvalId: hold.id,
  giverId: hold.giverId,
  recipientId: hold.recipientId,
  amount: hold.amount,
  decision,
  reason,
  source,
});
