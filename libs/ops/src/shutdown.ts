import { Logger } from '@points/config';

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
