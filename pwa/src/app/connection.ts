import type { I18n, MessageKey } from '../i18n';
import { connectionStatus, HEALTH_URL, type ConnectionStatus, type HealthProbe } from '../shared/health';

/** Give up on a health request after this long: a weak signal should read as offline soon. */
const PROBE_TIMEOUT_MS = 8_000;

/** Re-check the server this often while the page is visible and the phone online. */
const RECHECK_INTERVAL_MS = 60_000;

const STATUS_MESSAGES: Readonly<Record<ConnectionStatus, MessageKey>> = {
  checking: 'status.checking',
  online: 'status.online',
  'server-error': 'status.serverError',
  offline: 'status.offline',
};

/** Call `GET /api/health` once and reduce the outcome to a `HealthProbe`. */
export async function probeHealth(timeoutMs: number = PROBE_TIMEOUT_MS): Promise<HealthProbe> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await fetch(HEALTH_URL, {
      cache: 'no-store',
      headers: { Accept: 'application/json' },
      signal: controller.signal,
    });
    if (!response.ok) return { kind: 'http-error', httpStatus: response.status };
    let body: unknown = null;
    try {
      body = await response.json();
    } catch {
      // Not JSON (a captive portal's login page, say): connectionStatus() calls it a server error.
    }
    return { kind: 'response', httpStatus: response.status, body };
  } catch {
    return controller.signal.aborted ? { kind: 'timeout' } : { kind: 'network-error' };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Keep the connection line of the status bar up to date: `data-status` on
 * `element` holds the ConnectionStatus, the child `[data-status-text]` the
 * translated text. Re-checks on `online`, on returning to the page, and
 * every minute while visible.
 */
export function mountConnectionStatus(element: HTMLElement, i18n: I18n): void {
  const text = element.querySelector<HTMLElement>('[data-status-text]') ?? element;
  let probe: HealthProbe | null = null;
  // Only the newest check may update the display (an old slow one may finish last).
  let latestCheck = 0;

  const render = (): void => {
    const status = connectionStatus(navigator.onLine, probe);
    element.dataset['status'] = status;
    text.textContent = i18n.t(STATUS_MESSAGES[status]);
  };

  const check = async (): Promise<void> => {
    const id = ++latestCheck;
    const result = await probeHealth();
    if (id !== latestCheck) return;
    probe = result;
    render();
  };

  window.addEventListener('online', () => {
    probe = null;
    render();
    void check();
  });
  window.addEventListener('offline', render);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && navigator.onLine) void check();
  });
  setInterval(() => {
    if (document.visibilityState === 'visible' && navigator.onLine) void check();
  }, RECHECK_INTERVAL_MS);
  i18n.onChange(render);

  render();
  if (navigator.onLine) void check();
}
