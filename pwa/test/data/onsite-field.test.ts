/**
 * Issue 11, the on-site parts added in session 4: the document review (CQC §5.1.4) through the
 * outbox, a returned record's correction that meets 412, and the photos of on-site records
 * (removed before submission, pruned once the server acknowledged the record, GPS with them).
 */
import { describe, expect, it, vi } from 'vitest';
import { listOutbox } from '../../src/data/outbox';
import { deletePhoto, listPhotos, pruneConfirmedPhotos } from '../../src/data/photo-store';
import { replayOutbox } from '../../src/data/replay';
import { transact } from '../../src/data/db';
import { getOnsite, queueOnsite, resolveConflict, saveOnsite } from '../../src/onsite/store';
import { photoFor, useHarness } from './harness';

interface Call {
  method: string;
  url: string;
  ifMatch: string | null;
  body: unknown;
}

/** Answer the on-site and document-review URLs with `answer`; every call is recorded. */
function stub(h: ReturnType<typeof useHarness>, answer: (call: Call) => { status: number; body: unknown; etag?: string }): Call[] {
  const calls: Call[] = [];
  const real = h.server().fetch;
  vi.stubGlobal('fetch', async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    if (!/\/api\/(onsite-records|engagements\/[^/]+\/document-reviews)\//.test(url)) return real(input, init);
    const headers = new Headers(init?.headers);
    const call: Call = { method: init?.method ?? 'GET', url: url.replace(/^https?:\/\/[^/]+/, ''), ifMatch: headers.get('If-Match'), body: typeof init?.body === 'string' ? JSON.parse(init.body) : null };
    calls.push(call);
    const a = answer(call);
    return new Response(JSON.stringify(a.body), { status: a.status, headers: { 'Content-Type': 'application/json', ...(a.etag ? { ETag: a.etag } : {}) } });
  });
  return calls;
}

describe('the document review recorded on the phone (§5.1.4)', () => {
  const h = useHarness();

  it('is sent once as PUT under its own id to the engagement, with the conclusion only', async () => {
    const conclusion = { outcome: 'fix_during_audit', findings: '应急预案未覆盖设备通信故障', requested: ['修订后的应急预案'] };
    await saveOnsite({ id: 'd1', engagementId: 'e1', kind: 'document_review', content: conclusion });
    await queueOnsite('d1');
    const calls = stub(h, (c) => ({ status: 201, body: { id: 'd1', engagement_id: 'e1', ...(c.body as object) } }));
    await replayOutbox();
    await replayOutbox();
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual(['PUT /api/engagements/e1/document-reviews/d1']);
    expect(calls[0]?.body).toEqual(conclusion);
    expect(await listOutbox()).toHaveLength(0);
    expect(await getOnsite('d1')).toMatchObject({ state: 'sent', error: null });
  });

  it('is blocked by IDEMPOTENCY_CONFLICT, and a corrected one replaces the refused entry', async () => {
    await saveOnsite({ id: 'd2', engagementId: 'e1', kind: 'document_review', content: { outcome: 'fit', findings: '', requested: [] } });
    await queueOnsite('d2');
    stub(h, () => ({ status: 409, body: { code: 'IDEMPOTENCY_CONFLICT', message: 'x', details: { id: 'd2' } } }));
    await replayOutbox();
    expect(await getOnsite('d2')).toMatchObject({ state: 'blocked', error: { code: 'IDEMPOTENCY_CONFLICT' } });
    await saveOnsite({ id: 'd2', engagementId: 'e1', kind: 'document_review', content: { outcome: 'resubmit', findings: '文件缺失', requested: ['服务管理制度'] } });
    await queueOnsite('d2');
    const entries = await listOutbox();
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ state: 'pending', body: { content: { outcome: 'resubmit' } } });
  });
});

describe('a returned correction that meets 412', () => {
  const h = useHarness();
  const mine = { clauses: { '4.1': { level: 5, note: '', evidence: [] } }, exemption: null, notes: '' };
  const theirs = { clauses: { '4.1': { level: 4, note: '另一台手机的更正', evidence: [] } }, exemption: null, notes: '' };

  async function returnedRecord(id: string): Promise<void> {
    // As onsite/store.ts pullReturned leaves it: a draft with the version to correct.
    await transact(['onsite'], 'readwrite', (tx) =>
      tx.put('onsite', { id, engagementId: 'e1', kind: 'management', content: mine, state: 'draft', error: null, savedAt: new Date().toISOString(), sentAt: null, serverStatus: 'returned', serverVersion: 2, returned: { version: 2, comment: '4.1 应为 5 级' } }),
    );
    await queueOnsite(id);
  }

  /** The server: version 4, returned again, with other content; PATCH on v4 is taken. */
  function server(status = 'returned'): Call[] {
    return stub(h, (c) => {
      if (c.method === 'GET') return { status: 200, etag: '"v4"', body: { id: c.url.split('/').pop(), version: 4, status, content: theirs, history: [{ to_status: 'returned', comment: '再核实 4.1' }] } };
      if (c.ifMatch !== '"v4"') return { status: 412, body: { code: 'PRECONDITION_FAILED', message: 'stale', details: { current_version: 4 } } };
      return { status: 200, etag: '"v5"', body: { id: c.url.split('/').pop(), version: 5, status: 'submitted' } };
    });
  }

  it('keeps the server copy beside the correction instead of blocking for good', async () => {
    await returnedRecord('m1');
    const calls = server();
    await replayOutbox();
    const stored = await getOnsite('m1');
    expect(calls.map((c) => `${c.method} ${c.ifMatch ?? ''}`)).toEqual(['PATCH "v2"', 'GET ']);
    expect(stored).toMatchObject({ state: 'blocked', error: { code: 'ONSITE_CHANGED_ON_SERVER' }, conflict: { version: 4, status: 'returned', content: theirs, comment: '再核实 4.1' } });
    expect(stored?.content).toEqual(mine); // the phone's correction is kept
    // Nothing else is sent until the auditor decides.
    await replayOutbox();
    expect(calls).toHaveLength(2);
  });

  it('re-applies the correction on the server version, sent exactly once', async () => {
    await returnedRecord('m2');
    const calls = server();
    await replayOutbox();
    await resolveConflict('m2', 'mine');
    await replayOutbox();
    await replayOutbox();
    expect(calls.map((c) => `${c.method} ${c.ifMatch ?? ''}`)).toEqual(['PATCH "v2"', 'GET ', 'PATCH "v4"']);
    expect(calls[2]?.body).toEqual({ content: mine, submit: true });
    expect(await listOutbox()).toHaveLength(0);
    expect(await getOnsite('m2')).toMatchObject({ state: 'sent', serverVersion: 5, conflict: null, returned: null });
  });

  it("takes the server's version: a draft to correct again when it is returned", async () => {
    await returnedRecord('m3');
    server();
    await replayOutbox();
    await resolveConflict('m3', 'server');
    expect(await listOutbox()).toHaveLength(0);
    expect(await getOnsite('m3')).toMatchObject({ state: 'draft', content: theirs, conflict: null, returned: { version: 4, comment: '再核实 4.1' } });
  });

  it('refuses to re-apply on a server record no longer the auditor’s to correct', async () => {
    await returnedRecord('m4');
    server('accepted');
    await replayOutbox();
    await expect(resolveConflict('m4', 'mine')).rejects.toThrow(/accepted/);
    await resolveConflict('m4', 'server');
    expect(await getOnsite('m4')).toMatchObject({ state: 'sent', serverStatus: 'accepted', content: theirs, returned: null });
  });
});

describe('photos of on-site records', () => {
  const h = useHarness();

  it('go with their GPS fix, leave the phone once the record is acknowledged, and not before', async () => {
    const a = await photoFor('r1', 1, '4.1');
    const b = await photoFor('r2', 2, '4.1');
    await saveOnsite({ id: 'r1', engagementId: 'e1', kind: 'management', content: { clauses: { '4.1': { level: 3, evidence: [a.id] } }, exemption: null, notes: '' } });
    await saveOnsite({ id: 'r2', engagementId: 'e1', kind: 'management', content: { clauses: { '4.1': { level: 3, evidence: [b.id] } }, exemption: null, notes: '' } });
    await queueOnsite('r1');
    stub(h, (c) => ({ status: 201, etag: '"v1"', body: { id: c.url.split('/').pop(), status: 'submitted', version: 1 } }));
    expect(await pruneConfirmedPhotos()).toBe(0); // queued, not sent
    await replayOutbox();
    const uploaded = h.server().evidence.get(a.id);
    expect(uploaded?.headers['x-capture-latitude']).toBe('28.7169');
    expect(await getOnsite('r1')).toMatchObject({ state: 'sent' });
    expect(await pruneConfirmedPhotos()).toBe(1);
    expect(await listPhotos('r1')).toEqual([]);
    expect((await getOnsite('r1'))?.content).toMatchObject({ clauses: { '4.1': { evidence: [a.id] } } }); // still cited
    expect(await listPhotos('r2')).toHaveLength(1); // a draft keeps its photos
  });

  it('can be removed before the record is submitted', async () => {
    const p = await photoFor('r3', 3, '4.1');
    await saveOnsite({ id: 'r3', engagementId: 'e1', kind: 'management', content: { clauses: { '4.1': { level: 3, evidence: [] } }, exemption: null, notes: '' } });
    await deletePhoto(p.id);
    expect(await listPhotos('r3')).toEqual([]);
  });
});
