/**
 * The contract between the page and the service worker: the messages they
 * exchange and which URLs the worker leaves alone. Shared, so both sides agree.
 */

/** Asks a waiting service worker to activate (sent only after the user agrees). */
export interface SkipWaitingMessage {
  type: 'SKIP_WAITING';
}

/** The message workbox-window's `messageSkipWaiting()` posts. */
export const SKIP_WAITING_MESSAGE: SkipWaitingMessage = { type: 'SKIP_WAITING' };

/** Whether a message posted to the worker is a request to skip waiting. */
export function isSkipWaitingMessage(data: unknown): data is SkipWaitingMessage {
  return (
    typeof data === 'object' &&
    data !== null &&
    (data as { type?: unknown }).type === SKIP_WAITING_MESSAGE.type
  );
}

/**
 * The Background Sync tag the page registers and the worker answers: the browser wakes the worker
 * to send the outbox when the phone is online again, even with the app closed.
 */
export const SYNC_TAG = 'fieldcert-outbox';

/** Asks the service worker to send the outbox now (it takes the outbox lock like the page). */
export interface ReplayMessage {
  type: 'REPLAY_OUTBOX';
}

export const REPLAY_MESSAGE: ReplayMessage = { type: 'REPLAY_OUTBOX' };

export function isReplayMessage(data: unknown): data is ReplayMessage {
  return typeof data === 'object' && data !== null && (data as { type?: unknown }).type === REPLAY_MESSAGE.type;
}

/**
 * The app's own pages, as the worker's navigation route sees them (pathname + search, Workbox's
 * NavigationRoute allowlist): `/` and `/index.html`, with any query; the app routes by the hash
 * (`/#/visit/…`), which never reaches the worker. Only these are answered with the precached
 * shell. Every other navigation goes to the network, as if there were no worker: the public
 * survey `/s/<code>`, certificate checks `/c/…`, the server-rendered survey analysis
 * `/surveys/…`, API addresses opened as pages.
 */
export const APP_SHELL_PATHS = /^\/(?:index\.html)?(?:\?.*)?$/;

/** Whether a navigation (pathname + search) is one of the app's own pages. */
export function isAppShellPath(pathAndSearch: string): boolean {
  return APP_SHELL_PATHS.test(pathAndSearch);
}

/**
 * The JSON API's paths: `/api`, `/api/...` and `/api?...`, not `/apiary`.
 * Tested against a pathname, or pathname + search (Workbox navigation denylist).
 */
export const API_PATH = /^\/api(?:[/?]|$)/;

/**
 * Whether a same-origin path belongs to the API. The service worker never
 * caches these and never answers them with the app shell: API data must come
 * from the server (offline writes will go through the outbox, not the cache).
 */
export function isApiPath(pathname: string): boolean {
  return API_PATH.test(pathname);
}
