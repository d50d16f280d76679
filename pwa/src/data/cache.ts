/**
 * Server reads that work offline: network first, the last answer from IndexedDB (the cache
 * store, keyed by path) when the server cannot be reached. Only reads go here; nothing from
 * the cache is ever sent back (writes go through the outbox).
 */
import { ApiError, NetworkError, apiFetch } from './api';
import { cacheGet, cachePut } from './db';

export interface Cached<T> {
  data: T;
  /** The answer came from this phone's copy, not the server. */
  fromCache: boolean;
  /** When the server gave that answer (ISO). */
  fetchedAt: string;
}

export async function cachedGet<T>(path: string): Promise<Cached<T>> {
  try {
    const { data } = await apiFetch<T>('GET', path);
    const fetchedAt = new Date().toISOString();
    // A full disk must not hide fresh data: keep going without the copy.
    await cachePut(path, data).catch(() => undefined);
    return { data, fromCache: false, fetchedAt };
  } catch (error) {
    const unreachable = error instanceof NetworkError || (error instanceof ApiError && error.status >= 500);
    if (!unreachable) throw error;
    const stored = await cacheGet<T>(path).catch(() => undefined);
    if (stored === undefined) throw error;
    return { data: stored.value, fromCache: true, fetchedAt: stored.storedAt };
  }
}
