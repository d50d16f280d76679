/**
 * What the connection status bar shows, decided from the browser's online flag
 * and the outcome of `GET /api/health`. Pure: no fetch, no DOM.
 */

/** URL of the server's health check. */
export const HEALTH_URL = '/api/health';

/** The body `GET /api/health` answers with when the server is healthy. */
export interface HealthBody {
  status: string;
  database: string;
  version: string;
}

/** The outcome of one health request, reduced to plain data. */
export type HealthProbe =
  /** A 2xx response; `body` is the parsed JSON, or null if it was not JSON. */
  | { kind: 'response'; httpStatus: number; body: unknown }
  /** A non-2xx response (the server, or a proxy in front of it, answered). */
  | { kind: 'http-error'; httpStatus: number }
  /** fetch rejected: no network, DNS failure, connection refused. */
  | { kind: 'network-error' }
  /** No answer before the time limit (typical of a weak mobile signal). */
  | { kind: 'timeout' };

/**
 * What the user sees.
 *
 * - `checking`: no answer yet since the page loaded;
 * - `online`: the server answered and reports itself and its database healthy;
 * - `server-error`: the server (or a proxy) answered, but not healthy;
 * - `offline`: the phone has no network, or the server cannot be reached.
 */
export type ConnectionStatus = 'checking' | 'online' | 'server-error' | 'offline';

/** Narrow an unknown JSON value to a health body, or null if it is not one. */
export function parseHealthBody(body: unknown): HealthBody | null {
  if (typeof body !== 'object' || body === null) return null;
  const { status, database, version } = body as Record<string, unknown>;
  if (typeof status !== 'string' || typeof database !== 'string') return null;
  return { status, database, version: typeof version === 'string' ? version : '' };
}

/**
 * Map the browser's online flag and the latest probe (null: none finished yet)
 * to the status to show.
 *
 * `navigator.onLine === false` is trusted at once (the phone knows it has no
 * network); `true` only means "some network", so reachability is decided by
 * the probe.
 */
export function connectionStatus(online: boolean, probe: HealthProbe | null): ConnectionStatus {
  if (!online) return 'offline';
  if (probe === null) return 'checking';
  switch (probe.kind) {
    case 'network-error':
    case 'timeout':
      return 'offline';
    case 'http-error':
      return 'server-error';
    case 'response': {
      const body = parseHealthBody(probe.body);
      return body !== null && body.status === 'ok' && body.database === 'ok'
        ? 'online'
        : 'server-error';
    }
  }
}
