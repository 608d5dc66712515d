import { RequestHandler } from 'express';
import { httpMetrics } from '@points/ops';

/** Request rate and latency by route pattern (never the raw URL, so ids do not explode the label set). */
export function recordHttpMetrics(metrics: ReturnType<typeof httpMetrics>): RequestHandler {
  return (req, res, next) => {
    const stop = metrics.duration.startTimer();
    res.on('finish', () => {
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : req.baseUrl || 'unmatched';
      const labels = { method: req.method, route, status: String(res.statusCode) };
      metrics.requests.inc(labels);
      stop(labels);
    });
    next();
  };
}
