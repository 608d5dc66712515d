export * from './issue-token';
