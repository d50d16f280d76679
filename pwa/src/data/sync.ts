/**
 * When the outbox is sent, and what the sync indicator shows (window). Replays at start-up, on
 * the `online` event, after something is queued, on a 30 s timer while the app is open (that one
 * waits for the back-off), and asks for Background Sync ('fieldcert-outbox') so the service
 * worker sends the outbox after the app is closed. Requests persistent storage.
 */
import { HEALTH_URL } from '../shared/health';
import { SYNC_TAG } from '../shared/sw-protocol';
import { TRANSIENT_CODES } from '../shared/outcome';
import { apiFetch } from './api';
import { countUnsubmitted } from './drafts';
import { onChange } from './events';
import { onEnqueued, pendingCounts } from './outbox-store';
import { pruneConfirmedPhotos } from './photo-store';
import { readSyncMeta, replayOutbox, type ReplayResult } from './replay';
import { refreshReturned as pullReturned } from './returned';

export { SYNC_TAG };
export const TIMER_MS = 30_000;

export interface SyncState {
  online: boolean;
  /** This page is sending the outbox right now. */
  running: boolean;
  /** Evaluation records (creates, edits) and photos waiting in the outbox. */
  pendingRecords: number;
  pendingPhotos: number;
  /** Of those, entries that need a person (a validation error, a conflict): see the drafts. */
  blockedRecords: number;
  /**
   * Visits recorded on this phone and not submitted yet (drafts, returned visits being
   * corrected): only this phone has them, whatever the outbox says.
   */
  localDrafts: number;
  lastSuccessAt: string | null;
  /**
   * The last problem: a server code (AUTH_REQUIRED, VALIDATION_ERROR, ...) or one of ours:
   * NETWORK, TIMEOUT, STORAGE_QUOTA, STORAGE_ERROR, STORAGE_UNAVAILABLE, PHOTO_MISSING,
   * SHA256_NOT_CONFIRMED, MISSING_EVIDENCE, LOCAL_PHOTO_DAMAGED. Show it by code (i18n).
   */
  lastError: { code: string; message: string } | null;
  /** When the timer will try again after failures (ISO), or null. */
  nextAttemptAt: string | null;
  /** navigator.storage.persist() granted; null before asking or where unsupported. */
  persisted: boolean | null;
  storage: { usage: number; quota: number } | null;
}

let state: SyncState = {
  online: typeof navigator === 'undefined' ? true : navigator.onLine,
  running: false,
  pendingRecords: 0,
  pendingPhotos: 0,
  blockedRecords: 0,
  localDrafts: 0,
  lastSuccessAt: null,
  lastError: null,
  nextAttemptAt: null,
  persisted: null,
  storage: null,
};
const listeners = new Set<(s: SyncState) => void>();
let started = false;
let inFlight: Promise<ReplayResult | null> | null = null;
let again = false;

function emit(patch: Partial<SyncState>): void {
  state = { ...state, ...patch };
  for (const listener of [...listeners]) {
    try {
      listener(state);
    } catch (error) {
      console.error('[sync] state listener failed', error);
    }
  }
}

/** Re-read counts, back-off and storage figures. */
async function refreshState(): Promise<void> {
  try {
    const [counts, meta, localDrafts] = await Promise.all([pendingCounts(), readSyncMeta(), countUnsubmitted()]);
    emit({
      pendingRecords: counts.records,
      pendingPhotos: counts.photos,
      blockedRecords: counts.blocked,
      localDrafts,
      lastSuccessAt: meta.lastSuccessAt,
      lastError: meta.lastError === null ? null : { code: meta.lastError.code, message: meta.lastError.message },
      nextAttemptAt: meta.nextAttemptAt > Date.now() ? new Date(meta.nextAttemptAt).toISOString() : null,
    });
  } catch (error) {
    emit({ lastError: storageProblem(error) });
  }
  try {
    if (typeof navigator !== 'undefined' && navigator.storage?.estimate) {
      const { usage = 0, quota = 0 } = await navigator.storage.estimate();
      emit({ storage: { usage, quota } });
    }
  } catch {
    // Estimates are a nicety.
  }
}

function storageProblem(error: unknown): { code: string; message: string } {
  const kind = (error as { kind?: string }).kind;
  const message = error instanceof Error ? error.message : String(error);
  if (kind === 'quota') return { code: 'STORAGE_QUOTA', message };
  if (kind === 'unavailable') return { code: 'STORAGE_UNAVAILABLE', message };
  return { code: 'STORAGE_ERROR', message };
}

/** One replay at a time in this page; a request during a run runs once more after it. */
function replay(force: boolean): Promise<ReplayResult | null> {
  if (inFlight !== null) {
    if (force) again = true;
    return inFlight;
  }
  emit({ running: true });
  const run = (async (): Promise<ReplayResult | null> => {
    let result: ReplayResult | null = null;
    let forceThis = force;
    do {
      again = false;
      try {
        result = await replayOutbox({ force: forceThis });
      } catch (error) {
        emit({ lastError: storageProblem(error) });
      }
      forceThis = true;
    } while (again);
    return result;
  })();
  inFlight = run;
  return run.finally(async () => {
    inFlight = null;
    emit({ running: false });
    await refreshState();
  });
}

async function registerBackgroundSync(): Promise<void> {
  if (typeof navigator === 'undefined' || !('serviceWorker' in navigator)) return;
  try {
    const registration = (await navigator.serviceWorker.ready) as ServiceWorkerRegistration & {
      sync?: { register(tag: string): Promise<void> };
    };
    await registration.sync?.register(SYNC_TAG);
  } catch {
    // No Background Sync (Firefox, Safari) or not allowed: the page's own triggers remain.
  }
}

async function requestPersistence(): Promise<void> {
  if (typeof navigator === 'undefined' || !navigator.storage?.persisted) return;
  try {
    let persisted = await navigator.storage.persisted();
    if (!persisted && navigator.storage.persist) persisted = await navigator.storage.persist();
    emit({ persisted });
  } catch {
    emit({ persisted: false });
  }
}

/**
 * The 30 s tick: replay when the back-off allows. While backing off from an unreachable or
 * failing server (the phone's network stayed up, so no `online` event comes), ask the cheap
 * health check first and replay at once when the server is back: a restarted server gets the
 * outbox within one tick, not after a 10-minute back-off.
 */
async function timerTick(): Promise<void> {
  try {
    const meta = await readSyncMeta();
    const unreachable = meta.lastError !== null && ((meta.lastError.status ?? 0) === 0 || (meta.lastError.status ?? 0) >= 500);
    if (meta.nextAttemptAt > Date.now() && unreachable) {
      await apiFetch('GET', HEALTH_URL, { timeoutMs: 5_000 });
      await replay(true);
      return;
    }
  } catch {
    return; // still down (or no storage): the back-off stands
  }
  await replay(false);
}

/** Start the triggers (idempotent). */
export function startSync(): void {
  if (started) return;
  started = true;
  window.addEventListener('online', () => {
    emit({ online: true });
    void replay(true).then(() => refreshReturned().catch(() => undefined));
  });
  window.addEventListener('offline', () => emit({ online: false }));
  setInterval(() => {
    emit({ online: navigator.onLine });
    if (navigator.onLine) void timerTick();
  }, TIMER_MS);
  onEnqueued(() => {
    void registerBackgroundSync();
    void replay(true);
  });
  // Another tab or the service worker changed the outbox: follow it.
  onChange((m) => {
    if (m.reason === 'signed-in') {
      // A new sign-in or pairing: whatever waited for it (AUTH_REQUIRED) goes now.
      void replay(true).then(() => refreshReturned().catch(() => undefined));
    } else {
      void refreshState();
    }
  });
  void requestPersistence();
  void refreshState().then(async () => {
    if (state.pendingRecords + state.pendingPhotos > 0) void registerBackgroundSync();
    await replay(true);
    await refreshReturned().catch(() => undefined);
    // After the server's statuses are known: free the photos of visits that are decided.
    await pruneConfirmedPhotos().catch(() => undefined);
  });
}

/** Send now, ignoring the back-off (the "sync now" button; after signing in again). */
export async function syncNow(): Promise<void> {
  await replay(true);
}

export function onSyncState(listener: (s: SyncState) => void): () => void {
  listeners.add(listener);
  listener(state);
  return () => listeners.delete(listener);
}

export function currentSyncState(): SyncState {
  return state;
}

/**
 * What `#sync-indicator[data-state]` shows: offline (no network), syncing, error (the last
 * attempt failed or an entry needs a person), pending (waiting for the next attempt), synced.
 */
export function syncIndicatorState(s: SyncState): 'offline' | 'syncing' | 'error' | 'pending' | 'synced' {
  if (s.running) return 'syncing';
  const pending = s.pendingRecords + s.pendingPhotos;
  if (!s.online) return 'offline';
  if (s.lastError !== null && (pending > 0 || s.lastError.code.startsWith('STORAGE'))) return 'error';
  return pending > 0 ? 'pending' : 'synced';
}

/**
 * How much the indicator asks of the user (`#sync-indicator[data-attention]`): `person` (red)
 * only when someone must act: an entry the server refused, a sign-in, storage; `wait` (amber)
 * while the outbox waits for the network or the server, which it retries by itself; `none`.
 * Being offline is normal in the field: never `person` by itself.
 */
export function syncAttention(s: SyncState): 'none' | 'wait' | 'person' {
  if (s.blockedRecords > 0) return 'person';
  const code = s.lastError?.code ?? null;
  if (code !== null && code.startsWith('STORAGE')) return 'person';
  const pending = s.pendingRecords + s.pendingPhotos;
  if (pending === 0) return 'none';
  if (code === null || isPassing(code)) return 'wait';
  return 'person';
}

/** Failures that time cures (the outbox retries them itself): no network, the server down or busy. */
export function isPassing(code: string): boolean {
  return code === 'NETWORK' || code === 'TIMEOUT' || /^HTTP_5\d\d$/.test(code) || TRANSIENT_CODES.has(code);
}

/** Pull returned visits from the server (see data/returned.ts); refreshes the state. */
export async function refreshReturned(): Promise<void> {
  await pullReturned();
  await refreshState();
}
