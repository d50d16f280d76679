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
