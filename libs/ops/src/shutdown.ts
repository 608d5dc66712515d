import { Logger, createLogger } from '@points/config';

/** Runs the closers in order on SIGTERM/SIGINT, once, then exits. */
export function onShutdown(logger: Logger, closers: (() => Promise<unknown>)[]): void {
  let closing = false;
  const close = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    for (const closer of closers) {
      try {
        await closer();
      } catch (err) {
        logger.error({ err }, 'error while shutting down');
      }
    }
    process.exit(0);
  };
  process.once('SIGTERM', () => void close('SIGTERM'));
  process.once('SIGINT', () => void close('SIGINT'));
}

/** Runs a service's start-up; if it fails, says why in one structured line and exits non-zero. */
export function runService(service: string, main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    createLogger(service).fatal({ err: error }, `${service} failed to start`);
    process.exit(1);
  });
}
