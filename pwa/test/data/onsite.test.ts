import { describe, expect, it, vi } from 'vitest';
import { MIGRATIONS, openDatabase } from '../../src/data/db';
import { listOutbox } from '../../src/data/outbox';
import { replayOutbox } from '../../src/data/replay';
import { getOnsite, queueOnsite, saveOnsite } from '../../src/onsite/store';
import { useHarness } from './harness';

const content = { clauses: { '1.1': { level: 3, note: '', evidence: [] } }, exemption: null, notes: '' };

/** The server's answer to PUT /api/onsite-records/<id>; every such call is counted. */
function answerOnsite(h: ReturnType<typeof useHarness>, status: number, body: (id: string) => unknown): string[] {
  const calls: string[] = [];
  const real = h.server().fetch;
  vi.stubGlobal('fetch', async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    const m = /\/api\/onsite-records\/([^/?]+)$/.exec(url);
    if (m) {
      calls.push(`${init?.method ?? 'GET'} ${m[1]}`);
      return new Response(JSON.stringify(body(m[1] as string)), { status, headers: { 'Content-Type': 'application/json', ETag: '"v1"' } });
    }
    return real(input, init);
  });
  return calls;
}

describe('on-site records through the outbox', () => {
  const h = useHarness();

  it('keeps a draft unsent, queues it once, and sends one PUT that marks it sent', async () => {
    await saveOnsite({ id: 'r1', engagementId: 'e1', kind: 'management', content });
    expect(await listOutbox()).toHaveLength(0);
    await queueOnsite('r1');
    await queueOnsite('r1'); // queueing again adds nothing
    const entries = await listOutbox();
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ kind: 'onsite', draftId: 'r1', body: { engagement_id: 'e1', kind: 'management', content, submit: true } });
    const calls = answerOnsite(h, 201, (id) => ({ id, status: 'submitted', version: 1 }));
    await replayOutbox();
    await replayOutbox();
    expect(calls).toEqual(['PUT r1']);
    expect(await listOutbox()).toHaveLength(0);
    expect(await getOnsite('r1')).toMatchObject({ state: 'sent', serverStatus: 'submitted', serverVersion: 1 });
  });

  it('blocks a refused record with its code and keeps the entry', async () => {
    await saveOnsite({ id: 'r2', engagementId: 'e1', kind: 'management', content });
    await queueOnsite('r2');
    answerOnsite(h, 422, () => ({ code: 'VALIDATION_ERROR', message: 'x', details: {} }));
    await replayOutbox();
    expect(await getOnsite('r2')).toMatchObject({ state: 'blocked', error: { code: 'VALIDATION_ERROR' } });
    expect(await listOutbox()).toHaveLength(1);
  });

  it('never marks a record sent on a reply naming another id', async () => {
    await saveOnsite({ id: 'r3', engagementId: 'e1', kind: 'management', content });
    await queueOnsite('r3');
    answerOnsite(h, 201, () => ({ id: 'other', status: 'submitted', version: 1 }));
    await replayOutbox();
    expect(await getOnsite('r3')).toMatchObject({ state: 'blocked', error: { code: 'ONSITE_NOT_CONFIRMED' } });
  });
});

describe('the v3 upgrade', () => {
  useHarness();
  it('adds the onsite store to a v2 database', async () => {
    const v2 = await openDatabase('onsite-upgrade', MIGRATIONS.slice(0, 2));
    v2.close();
    const v3 = await openDatabase('onsite-upgrade', MIGRATIONS);
    expect(v3.version).toBe(3);
    expect([...v3.objectStoreNames]).toContain('onsite');
    v3.close();
  });
});
