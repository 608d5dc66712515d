export * from './commands';
export * from './outbox';
export * from './bulk-awards';
