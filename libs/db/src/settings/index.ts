export * from './tenant-settings';
export * from './spend-tallies';
