import { describe, expect, it, vi } from 'vitest';
import { submitVisit } from '../../src/data/outbox';
import { writeMeta } from '../../src/data/db';
import { readSyncMeta } from '../../src/data/replay';
import { TIMER_MS, onSyncState, startSync, type SyncState } from '../../src/data/sync';
import { recordedVisit, useHarness } from './harness';

const h = useHarness();

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 300; i += 1) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('the 30 s timer', () => {
  it('finds a restarted server within one tick, despite a long back-off', async () => {
    vi.useFakeTimers({ toFake: ['setInterval'] });
    try {
      const server = h.server();
      vi.stubGlobal('window', new EventTarget());
      vi.stubGlobal('navigator', { onLine: true });
      const visit = await recordedVisit(1);
      // The server is down (503) for a while: the start-up replay fails and backs off.
      server.failNext(/./, '503', 1);
      await submitVisit(visit.id);
      const states: SyncState[] = [];
      onSyncState((s) => states.push(s));
      startSync();
      await until(async () => (await readSyncMeta()).failures >= 1 && states.at(-1)?.running === false, 'the failed replay');
      // Many failures later the wait is long (ten minutes).
      const meta = await readSyncMeta();
      expect(meta.lastError).toMatchObject({ code: 'SERVICE_UNAVAILABLE', status: 503 });
      await writeMeta('sync', { ...meta, failures: 9, nextAttemptAt: Date.now() + 10 * 60_000 });
      expect(server.evaluations.size).toBe(0);
      // The server is back; the next tick probes /api/health and sends at once.
      vi.advanceTimersByTime(TIMER_MS);
      await until(() => server.evaluations.size === 1, 'the replay after the health probe');
      expect(server.log).toContain('GET /api/health');
      await until(async () => (await readSyncMeta()).failures === 0, 'the back-off reset');
    } finally {
      vi.useRealTimers();
    }
  });
});
