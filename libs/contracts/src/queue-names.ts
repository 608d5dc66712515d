/** Every BullMQ queue of the system, by role. The prefix is configured per deployment. */
export const QUEUES = {
  commands: 'commands',
  bulkAwards: 'bulk-awards',
  notifications: 'notifications',
  deadLetters: 'dead-letters',
  holdExpiry: 'hold-expiry',
  scheduledJobs: 'scheduled-jobs',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/** The queues that carry commands to the ledger worker; the command catalog names one per command type. */
export type CommandQueueKey = 'commands' | 'bulkAwards';
