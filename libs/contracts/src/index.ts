export * from './money';
export * from './errors';
export * from './roles';
export * from './queue-names';
export * from './commands';
export * from './events';
export * from './queues';
export * from './api';
