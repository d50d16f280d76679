import { describe, expect, it } from 'vitest';
import { BACKOFF_BASE_MS, BACKOFF_CAP_MS, backoffDelay, parseRetryAfter } from '../../src/shared/backoff';

describe('backoffDelay', () => {
  it('doubles from 2 s with jitter between half and the full step', () => {
    expect(backoffDelay(1, 0)).toBe(BACKOFF_BASE_MS / 2);
    expect(backoffDelay(1, 1)).toBe(BACKOFF_BASE_MS);
    expect(backoffDelay(2, 1)).toBe(4000);
    expect(backoffDelay(3, 1)).toBe(8000);
    expect(backoffDelay(3, 0.5)).toBe(6000);
  });
  it('is capped at 10 minutes, however many failures', () => {
    expect(backoffDelay(20, 1)).toBe(BACKOFF_CAP_MS);
    expect(backoffDelay(5000, 1)).toBe(BACKOFF_CAP_MS);
    expect(backoffDelay(5000, 0)).toBe(BACKOFF_CAP_MS / 2);
  });
  it('never waits less than Retry-After', () => {
    expect(backoffDelay(1, 0, 30)).toBe(30_000);
    expect(backoffDelay(1, 0, null)).toBe(1000);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('120')).toBe(120);
    expect(parseRetryAfter(null)).toBeNull();
    expect(parseRetryAfter('soon')).toBeNull();
    const now = Date.parse('2026-12-03T10:00:00Z');
    expect(parseRetryAfter('Thu, 03 Dec 2026 10:01:00 GMT', now)).toBe(60);
  });
});
