import { describe, expect, it, vi } from 'vitest';
import { readMeta, writeMeta } from '../../src/data/db';
import { LEASE_MS, acquireLease, releaseLease, renewLease, withOutboxLock } from '../../src/data/lock';
import { submitVisit } from '../../src/data/outbox';
import { replayOutbox } from '../../src/data/replay';
import { recordedVisit, useHarness } from './harness';

const h = useHarness();

describe('the lease', () => {
  it('is held by one owner until released or expired', async () => {
    const t = 1_000;
    expect(await acquireLease('window', t)).toBe(true);
    expect(await acquireLease('worker', t + 1)).toBe(false);
    expect(await acquireLease('window', t + 2)).toBe(true); // re-entrant for its owner
    expect(await renewLease('worker', t + 3)).toBe(false);
    await releaseLease('worker'); // not the worker's: nothing happens
    expect((await readMeta('lease'))?.owner).toBe('window');
    await releaseLease('window');
    expect(await readMeta('lease')).toBeUndefined();
    expect(await acquireLease('worker', t + 4)).toBe(true);
  });

  it('left by a killed context, expires', async () => {
    expect(await acquireLease('dead', 0)).toBe(true);
    expect(await acquireLease('alive', LEASE_MS - 1)).toBe(false);
    expect(await acquireLease('alive', LEASE_MS + 1)).toBe(true);
    // The dead one cannot come back and renew over it.
    expect(await renewLease('dead', LEASE_MS + 2)).toBe(false);
  });

  it('withOutboxLock skips the work while another holds it, and releases after', async () => {
    expect(await acquireLease('other', Date.now())).toBe(true);
    const work = vi.fn(async () => 1);
    expect(await withOutboxLock('me', work)).toEqual({ ran: false });
    expect(work).not.toHaveBeenCalled();
    await releaseLease('other');
    expect(await withOutboxLock('me', work)).toEqual({ ran: true, result: 1 });
    expect(await readMeta('lease')).toBeUndefined();
  });

  it('is released when the work throws', async () => {
    await expect(withOutboxLock('me', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await readMeta('lease')).toBeUndefined();
  });

  it('uses the Web Locks API where it exists, and skips when the lock is taken', async () => {
    const held = new Set<string>();
    const locks = {
      request: vi.fn(async (name: string, _opts: { ifAvailable: boolean }, cb: (lock: unknown) => Promise<unknown>) => {
        if (held.has(name)) return cb(null);
        held.add(name);
        try {
          return await cb({ name });
        } finally {
          held.delete(name);
        }
      }),
    };
    vi.stubGlobal('navigator', { locks });
    held.add('fieldcert-outbox');
    expect(await withOutboxLock('me', async () => 1)).toEqual({ ran: false });
    held.clear();
    expect(await withOutboxLock('me', async () => 2)).toEqual({ ran: true, result: 2 });
    expect(locks.request).toHaveBeenCalledTimes(2);
  });
});

describe('single flight', () => {
  it('two replays started together (window and worker) send each request once', async () => {
    const server = h.server();
    const visit = await recordedVisit(3);
    await submitVisit(visit.id);
    const [a, b] = await Promise.all([replayOutbox({ owner: 'window' }), replayOutbox({ owner: 'worker' })]);
    const ran = [a, b].filter((r) => r.ran);
    expect(ran).toHaveLength(1);
    expect([a, b].find((r) => !r.ran)?.stoppedBy).toBe('busy');
    const puts = server.log.filter((l) => l.startsWith('PUT'));
    expect(puts).toHaveLength(4);
    expect(new Set(puts).size).toBe(4);
  });

  it('a run whose lease was taken over stops before its next request', async () => {
    const server = h.server();
    const visit = await recordedVisit(2);
    await submitVisit(visit.id);
    const original = server.fetch;
    vi.stubGlobal('fetch', async (input: RequestInfo | URL, init?: RequestInit) => {
      const response = await original(input, init);
      // While the first upload was on the way, this run's lease expired and another context
      // took the outbox over.
      if (String(input).startsWith('/api/evidence/')) await writeMeta('lease', { owner: 'usurper', expiresAt: Date.now() + LEASE_MS });
      return response;
    });
    const result = await replayOutbox({ owner: 'slow', force: true });
    expect(result).toMatchObject({ ran: true, sent: 1, stoppedBy: 'lease-lost' });
    expect(server.log.filter((l) => l.startsWith('PUT'))).toHaveLength(1);
    // The usurper's lease is not released by the run that lost it.
    expect((await readMeta('lease'))?.owner).toBe('usurper');
  });
});

describe('a lease left by a dead context', () => {
  it('does not block a context holding the Web Lock', async () => {
    expect(await acquireLease('killed-tab', Date.now())).toBe(true);
    vi.stubGlobal('navigator', {
      locks: { request: async (_n: string, _o: unknown, cb: (lock: unknown) => Promise<unknown>) => cb({}) },
    });
    expect(await withOutboxLock('worker', async () => 'sent')).toEqual({ ran: true, result: 'sent' });
    expect(await readMeta('lease')).toBeUndefined();
  });
});
