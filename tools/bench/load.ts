// The HTTP load generator of every HTTP figure: autocannon, driven from here.
// Each request takes the next (token, body) pair of a rotation, so the load
// spreads over employees, givers and tenants as real traffic would.
import autocannon from 'autocannon';

export interface LoadRequest {
  token: string;
  body: string;
}

export interface LoadSpec {
  url: string;
  path: string;
  connections: number;
  seconds: number;
  /** Requests per second over all connections (a paced run); unpaced when absent. */
  overallRate?: number;
  rotation: LoadRequest[];
}

export interface LoadResult {
  sent: number;
  /** 2xx answers. */
  accepted: number;
  /** Non-2xx answers and connection errors/timeouts. */
  refused: number;
  /** 2xx answers per second of the run. */
  acceptedPerSecond: number;
  /** HTTP latency, ms (paced runs: corrected for coordinated omission, as autocannon does by default). */
  p50Ms: number;
  p99Ms: number;
  seconds: number;
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  if (spec.rotation.length === 0) throw new Error('runLoad: nothing to send');
  let next = 0;
  const result = await autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: spec.seconds,
    ...(spec.overallRate ? { overallRate: Math.max(1, Math.round(spec.overallRate)) } : {}),
    timeout: 30,
    requests: [
      {
        method: 'POST',
        path: spec.path,
        setupRequest: (request) => {
          const { token, body } = spec.rotation[next++ % spec.rotation.length];
          return { ...request, body, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } };
        },
      },
    ],
  });
  const accepted = result['2xx'];
  return {
    sent: result.requests.sent,
    accepted,
    refused: result.non2xx + result.errors,
    acceptedPerSecond: accepted / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    seconds: result.duration,
  };
}
