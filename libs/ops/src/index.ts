export * from './readiness';
export * from './ops-server';
export * from './shutdown';
export * from './metrics';
