export * from './redis';
export * from './command-queue';
export * from './notification-queue';
export * from './worker-options';
export * from './retry-policy';
export * from './redis-durability';
export * from './hold-expiry-queue';
export * from './scheduled-jobs-queue';
