/**
 * Retry timing for the outbox (docs/sync.md, "Other answers": exponential back-off with jitter,
 * 2 s, 4 s, 8 s … up to 10 min). Pure, so the window and the service worker agree.
 */

export const BACKOFF_BASE_MS = 2_000;
export const BACKOFF_CAP_MS = 10 * 60_000;

/**
 * The wait before the next attempt after `failures` failures in a row (1 = the first failure).
 *
 * "Equal jitter": half the exponential step is fixed, half is random, so a fleet of phones that
 * lost the network together does not hammer the server together when it returns, and no wait is
 * ever shorter than half its step. `random` is Math.random's range [0, 1).
 * A `Retry-After` the server gave (seconds) is a floor.
 */
export function backoffDelay(
  failures: number,
  random: number = Math.random(),
  retryAfterSeconds: number | null = null,
): number {
  const n = Math.max(1, Math.floor(failures));
  // 2^(n-1) overflows to Infinity harmlessly long after the cap applies.
  const step = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (n - 1));
  const jittered = step / 2 + (step / 2) * Math.min(Math.max(random, 0), 1);
  const floor = retryAfterSeconds !== null && retryAfterSeconds > 0 ? retryAfterSeconds * 1000 : 0;
  return Math.round(Math.min(Math.max(jittered, floor), BACKOFF_CAP_MS * 3));
}

/** `Retry-After` as seconds: delta-seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (value === null || value.trim() === '') return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return null;
  return Math.max(0, Math.ceil((at - now) / 1000));
}
