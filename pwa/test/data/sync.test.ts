import { describe, expect, it, vi } from 'vitest';
import { submitVisit } from '../../src/data/outbox';
import { onSyncState, startSync, syncIndicatorState, syncNow, type SyncState } from '../../src/data/sync';
import { login } from '../../src/data/session';
import { recordedVisit, useHarness } from './harness';

const h = useHarness();

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('the page-side triggers', () => {
  it('replays at start-up, on "online", and shows the outbox in the state', async () => {
    const server = h.server();
    const win = new EventTarget();
    const persist = vi.fn(async () => true);
    vi.stubGlobal('window', win);
    vi.stubGlobal('navigator', {
      onLine: false,
      storage: { persisted: async () => false, persist, estimate: async () => ({ usage: 1234, quota: 99_999 }) },
    });
    server.offline = true;
    const visit = await recordedVisit(1);
    await submitVisit(visit.id);

    const states: SyncState[] = [];
    const stop = onSyncState((s) => states.push(s));
    expect(states).toHaveLength(1); // called at once
    startSync();
    startSync(); // idempotent
    await until(() => states.some((s) => s.pendingPhotos === 1 && s.pendingRecords === 1 && s.lastError?.code === 'NETWORK'), 'the failed start-up replay');
    const offline = states.at(-1) as SyncState;
    expect(persist).toHaveBeenCalledTimes(1);
    expect(offline).toMatchObject({ persisted: true, storage: { usage: 1234, quota: 99_999 } });
    expect(syncIndicatorState({ ...offline, online: false })).toBe('offline');
    expect(syncIndicatorState({ ...offline, online: true })).toBe('error');

    server.offline = false;
    (navigator as { onLine: boolean }).onLine = true;
    win.dispatchEvent(new Event('online'));
    await until(() => { const s = states.at(-1); return s !== undefined && s.pendingRecords === 0 && s.pendingPhotos === 0 && !s.running; }, 'the replay on online');
    const done = states.at(-1) as SyncState;
    expect(done).toMatchObject({ online: true, lastError: null, blockedRecords: 0 });
    expect(done.lastSuccessAt).not.toBeNull();
    expect(syncIndicatorState(done)).toBe('synced');
    expect(states.some((s) => s.running)).toBe(true);
    expect(server.evaluations.size).toBe(1);

    // Signed out on the server: the outbox waits, and a new sign-in sends it by itself.
    server.deviceToken = 'fcd_required';
    const next = await recordedVisit(0, '77777777-7777-4777-8777-777777777777');
    await submitVisit(next.id);
    await until(() => states.at(-1)?.lastError?.code === 'AUTH_REQUIRED' && states.at(-1)?.running === false, 'AUTH_REQUIRED');
    server.deviceToken = null;
    vi.stubGlobal('fetch', async (input: RequestInfo | URL, init?: RequestInit) =>
      String(input) === '/api/auth/login'
        ? new Response(JSON.stringify({ id: 'u', csrf_token: 'csrf-1' }), { status: 200, headers: { 'Content-Type': 'application/json' } })
        : server.fetch(input, init),
    );
    await login('shopper@example.com', 'pw');
    await until(() => server.evaluations.size === 2, 'the replay after sign-in');
    await syncNow();
    expect(states.at(-1)).toMatchObject({ pendingRecords: 0, lastError: null });
    stop();
  });
});

describe('syncAttention: red only when a person must act', () => {
  const base: SyncState = {
    online: true,
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
  const err = (code: string) => ({ code, message: code });

  it('waits (amber, never red) for a network or a server that comes back by itself', async () => {
    const { syncAttention } = await import('../../src/data/sync');
    expect(syncAttention(base)).toBe('none');
    expect(syncAttention({ ...base, localDrafts: 2 })).toBe('none');
    expect(syncAttention({ ...base, online: false, pendingRecords: 1, pendingPhotos: 3, lastError: err('NETWORK') })).toBe('wait');
    for (const code of ['TIMEOUT', 'SERVICE_UNAVAILABLE', 'HTTP_502', 'TOO_MANY_REQUESTS', 'INCOMPLETE_BODY']) {
      expect(syncAttention({ ...base, pendingPhotos: 1, lastError: err(code) })).toBe('wait');
    }
  });
  it('asks for a person on a refused entry, a sign-in, storage', async () => {
    const { syncAttention } = await import('../../src/data/sync');
    expect(syncAttention({ ...base, pendingRecords: 1, blockedRecords: 1, online: false })).toBe('person');
    expect(syncAttention({ ...base, pendingRecords: 1, lastError: err('AUTH_REQUIRED') })).toBe('person');
    expect(syncAttention({ ...base, lastError: err('STORAGE_QUOTA') })).toBe('person');
  });
});
