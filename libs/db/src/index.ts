export * from './entities';
export * from './orm';
export * from './database-url';
export * from './command-store';
export * from './bound-query';
export * from './transient-errors';
export * from './audit/dashboard-actions';
export * from './group-commit';
