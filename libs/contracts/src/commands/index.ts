export * from './payloads';
export * from './bulk-upload';
export * from './results';
export * from './catalog';
export * from './command';
