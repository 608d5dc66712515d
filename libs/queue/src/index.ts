export * from './redis';
export * from './command-queue';
