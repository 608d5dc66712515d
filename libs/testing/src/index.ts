export * from './test-database';
export * from './fixtures';
export * from './commands';
export * from './app-process';
export * from './private-redis';
export * from './seeded-random';
export * from './private-postgres';
