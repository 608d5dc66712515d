import { Server, createServer } from 'node:http';
import { Registry } from 'prom-client';
import { Logger, createLogger } from '@points/config';
import { ReadinessCheck, readinessProbe } from './readiness';

/**
 * The small HTTP server each worker exposes for operators: `/healthz` (the
 * process is alive), `/readyz` (its dependencies answer) and `/metrics`.
 * `/readyz` names a failing check but not its error, which goes to `logger`
 * (a warning when the check starts failing).
 */
export function startOpsServer(port: number, checks: Record<string, ReadinessCheck>, metrics?: Registry, logger: Logger = createLogger('ops-server')): Promise<Server> {
  const probe = readinessProbe(checks, logger);
  const server = createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.url === '/healthz') return send(200, { status: 'ok' });
    if (req.url === '/metrics' && metrics) {
      void metrics.metrics().then((text) => {
        res.writeHead(200, { 'content-type': metrics.contentType });
        res.end(text);
      });
      return;
    }
    if (req.url === '/readyz') {
      void probe().then((report) => send(report.ready ? 200 : 503, report));
      return;
    }
    send(404, { error: { code: 'NOT_FOUND', message: 'not found' } });
  });
  return new Promise((resolve) => server.listen(port, '0.0.0.0', () => resolve(server)));
}
