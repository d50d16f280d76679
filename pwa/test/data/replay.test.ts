import { describe, expect, it } from 'vitest';
import { getDraft, newDraft, saveDraft } from '../../src/data/drafts';
import { listOutbox, pendingCounts, submitVisit } from '../../src/data/outbox';
import { getPhoto, listPhotos } from '../../src/data/photo-store';
import { readSyncMeta, replayOutbox } from '../../src/data/replay';
import { req, transact } from '../../src/data/db';
import type { VisitDraft } from '../../src/data/types';
import { BACKOFF_CAP_MS } from '../../src/shared/backoff';
import { ASSIGNMENT, ENGAGEMENT, SITE, recordedVisit, useHarness } from './harness';

const h = useHarness();

describe('replay: the happy path', () => {
  it('sends the photos, then the evaluation, in order, and confirms each', async () => {
    const visit = await recordedVisit(2);
    await submitVisit(visit.id);
    const result = await replayOutbox();
    expect(result).toMatchObject({ ran: true, sent: 3, stoppedBy: null });
    const server = h.server();
    expect(server.log.filter((l) => !l.includes('csrf'))).toEqual([
      `PUT /api/evidence/${visit.photos[0]?.photoId}`,
      `PUT /api/evidence/${visit.photos[1]?.photoId}`,
      `PUT /api/evaluations/${visit.id}`,
    ]);
    expect(await listOutbox()).toEqual([]);
    const draft = (await getDraft(visit.id)) as VisitDraft;
    expect(draft).toMatchObject({ status: 'synced', serverVersion: 1, serverStatus: 'submitted', syncError: null });
    expect(draft.contentHash).toBe(server.evaluations.get(visit.id)?.contentHashes[0]);
    for (const p of await listPhotos(visit.id)) {
      expect(p.confirmed).toBe(true);
      expect(server.evidence.get(p.id)?.sha256).toBe(p.sha256);
    }
    const meta = await readSyncMeta();
    expect(meta.failures).toBe(0);
    expect(meta.lastSuccessAt).not.toBeNull();
  });

  it('sends the real request shapes (capture headers, create body, CSRF)', async () => {
    const visit = await recordedVisit(1);
    await submitVisit(visit.id);
    await replayOutbox();
    const server = h.server();
    const photo = (await listPhotos(visit.id))[0];
    const stored = server.evidence.get(photo?.id ?? '');
    expect(stored?.headers).toMatchObject({
      'x-content-sha256': photo?.sha256,
      'x-captured-at': photo?.capturedAt,
      'x-capture-latitude': '28.7169',
      'x-capture-longitude': '115.9602',
      'x-capture-accuracy': '12.5',
      'x-original-filename': encodeURIComponent('门店-1.jpg'),
      'x-csrf-token': 'csrf-1',
      'content-type': 'application/octet-stream',
    });
    const ev = server.evaluations.get(visit.id);
    expect(ev).toMatchObject({ engagement_id: ENGAGEMENT, site_id: SITE, assignment_id: ASSIGNMENT, mode: 'B', status: 'submitted' });
    expect(ev?.content).toEqual({
      ratings: { '1.1': { level: 4 }, '1.2': { alpha: 0.75 }, '1.3': { na: true, reason: '无候客区' } },
      notes: '服务热情',
      // The empty item note is left out.
      item_notes: { '1.1': '门店整洁' },
      started_at: '2026-12-03T10:00:00.000+08:00',
      ended_at: '2026-12-03T10:40:00.000+08:00',
      gps_fixes: [{ latitude: 28.7169, longitude: 115.9602, accuracy_m: 12.5, captured_at: '2026-12-03T10:01:00.000+08:00' }],
      evidence: [{ evidence_id: photo?.id, item: '1.1' }],
    });
  });

  it('uses the device token instead of CSRF when the phone is paired', async () => {
    const { setDeviceToken } = await import('../../src/data/api');
    await setDeviceToken('fcd_paired');
    h.server().deviceToken = 'fcd_paired';
    const visit = await recordedVisit(1);
    await submitVisit(visit.id);
    expect(await replayOutbox()).toMatchObject({ sent: 2, stoppedBy: null });
    expect(h.server().log).not.toContain('GET /api/auth/csrf');
    expect(h.server().evaluations.size).toBe(1);
  });
});

describe('replay: never twice, never lost', () => {
  it('the same outbox replayed after every answer was lost gives one record of each', async () => {
    const server = h.server();
    const visit = await recordedVisit(2);
    await submitVisit(visit.id);
    // Every request reaches the server and is applied, but its answer is lost.
    server.failNext(/^PUT /, 'lost', 3);
    const first = await replayOutbox({ force: true });
    expect(first.stoppedBy).toBe('retry');
    // Nothing was confirmed, so nothing left the outbox.
    expect((await listOutbox()).length).toBe(3);
    expect(await replayOutbox({ force: true })).toMatchObject({ stoppedBy: 'retry' });
    expect(await replayOutbox({ force: true })).toMatchObject({ stoppedBy: 'retry' });
    expect(await replayOutbox({ force: true })).toMatchObject({ stoppedBy: null, sent: 3 });
    expect(server.faults.filter((f) => f.startsWith('lost'))).toHaveLength(3);
    // Each attempt carries the phone's clock at sending (X-Device-Time), fresh every time.
    // (The three lost answers were all the first upload's: it reached the server four times.)
    const times = server.deviceTimes.get(`PUT /api/evidence/${visit.photos[0]?.photoId}`) ?? [];
    expect(times).toHaveLength(4);
    for (const t of times) expect(Math.abs(Date.parse(t) - Date.now())).toBeLessThan(60_000);
    expect(server.deviceTimes.get(`PUT /api/evaluations/${visit.id}`)?.every((t) => t !== '')).toBe(true);
    expect(server.evaluations.size).toBe(1);
    expect(server.evidence.size).toBe(2);
    expect((await getDraft(visit.id))?.status).toBe('synced');
    // And once more from the start: the outbox is empty, nothing is sent.
    const before = server.log.length;
    expect(await replayOutbox({ force: true })).toMatchObject({ sent: 0, stoppedBy: null });
    expect(server.log.length).toBe(before);
  });

  it('a copy of the outbox replayed again (e.g. a second context) is answered 200 and changes nothing', async () => {
    const server = h.server();
    const visit = await recordedVisit(1);
    await submitVisit(visit.id);
    const snapshot = await listOutbox();
    await replayOutbox();
    const evaluation = server.evaluations.get(visit.id);
    // Put the very same entries back, as if the acknowledgements had been lost.
    await transact(['outbox', 'photos'], 'readwrite', async (tx) => {
      for (const e of snapshot) await req(tx.store('outbox').put(e));
      for (const p of await tx.getAll('photos')) await tx.put('photos', { ...p, meta: { ...p.meta, confirmed: false } });
    });
    expect(await replayOutbox()).toMatchObject({ sent: 2, stoppedBy: null });
    expect(server.evaluations.size).toBe(1);
    expect(server.evaluations.get(visit.id)).toBe(evaluation);
    expect(evaluation?.version).toBe(1);
    expect(server.evidence.size).toBe(1);
  });

  it('a network failure keeps every entry and backs off; the timer waits, syncNow does not', async () => {
    const server = h.server();
    const visit = await recordedVisit(1);
    await submitVisit(visit.id);
    server.offline = true;
    let now = 1_000_000;
    const result = await replayOutbox({ now: () => now, random: () => 0 });
    expect(result).toMatchObject({ ran: true, sent: 0, stoppedBy: 'retry', error: { code: 'NETWORK' } });
    expect((await listOutbox()).map((e) => [e.kind, e.state, e.attempts])).toEqual([
      ['evidence', 'pending', 1],
      ['create', 'pending', 0],
    ]);
    let meta = await readSyncMeta();
    expect(meta).toMatchObject({ failures: 1, nextAttemptAt: now + 1000, lastError: { code: 'NETWORK' } });
    // Failures grow the wait exponentially, up to the cap.
    for (let i = 0; i < 12; i += 1) await replayOutbox({ force: true, now: () => now, random: () => 0.999 });
    meta = await readSyncMeta();
    expect(meta.failures).toBe(13);
    expect(meta.nextAttemptAt - now).toBeLessThanOrEqual(BACKOFF_CAP_MS);
    expect(meta.nextAttemptAt - now).toBeGreaterThan(BACKOFF_CAP_MS * 0.99);
    // The timer's replay respects the wait.
    server.offline = false;
    now += 60_000;
    expect(await replayOutbox({ now: () => now })).toMatchObject({ ran: false, stoppedBy: 'backoff' });
    expect(server.evaluations.size).toBe(0);
    // A forced one (syncNow, Background Sync) goes at once, and success resets the back-off.
    expect(await replayOutbox({ force: true, now: () => now })).toMatchObject({ sent: 2, stoppedBy: null });
    expect(await readSyncMeta()).toMatchObject({ failures: 0, nextAttemptAt: 0, lastError: null });
  });

  it('retries an upload cut off half way with the same id, and honours Retry-After', async () => {
    const server = h.server();
    const visit = await recordedVisit(1);
    await submitVisit(visit.id);
    server.failNext(/^PUT \/api\/evidence/, 'cut');
    const now = 5_000_000;
    expect(await replayOutbox({ now: () => now, random: () => 0 })).toMatchObject({ stoppedBy: 'retry', error: { code: 'INCOMPLETE_BODY' } });
    server.failNext(/^PUT \/api\/evidence/, '429');
    expect(await replayOutbox({ force: true, now: () => now, random: () => 0 })).toMatchObject({ stoppedBy: 'retry' });
    expect((await readSyncMeta()).nextAttemptAt).toBe(now + 7000);
    expect(await replayOutbox({ force: true })).toMatchObject({ sent: 2, stoppedBy: null });
    const photoId = visit.photos[0]?.photoId ?? '';
    expect(server.evidence.get(photoId)?.sha256).toBe((await getPhoto(photoId))?.sha256);
  });

  it('a 5xx keeps the order: nothing after the failed entry is sent', async () => {
    const server = h.server();
    const visit = await recordedVisit(2);
    await submitVisit(visit.id);
    server.failNext(/^PUT \/api\/evidence/, '503');
    await replayOutbox();
    expect(server.log.filter((l) => l.startsWith('PUT'))).toEqual([]);
    expect(await pendingCounts()).toEqual({ records: 1, photos: 2, blocked: 0 });
  });
});

describe('replay: nothing deleted before the server confirmed it', () => {
  it('keeps a photo and its entry when the server answers another SHA-256', async () => {
    const server = h.server();
    const visit = await recordedVisit(1);
    await submitVisit(visit.id);
    server.lieAboutSha = '0'.repeat(64);
    const result = await replayOutbox();
    expect(result.stoppedBy).toBeNull();
    const [entry, create] = await listOutbox();
    expect(entry).toMatchObject({ kind: 'evidence', state: 'blocked', lastError: { code: 'SHA256_NOT_CONFIRMED' } });
    // The create waits behind the blocked upload of its own visit.
    expect(create).toMatchObject({ kind: 'create', state: 'pending', attempts: 0 });
    const photo = await getPhoto(visit.photos[0]?.photoId ?? '');
    expect(photo?.confirmed).toBe(false);
    expect((await getDraft(visit.id))?.syncError?.code).toBe('SHA256_NOT_CONFIRMED');
    expect(server.evaluations.size).toBe(0);
  });

  it('a blocked visit does not hold up another visit', async () => {
    const server = h.server();
    const bad = await recordedVisit(0, null);
    await saveDraft({ ...bad, mode: 'B', ratings: { '1.1': { level: 4 } } });
    const good = await recordedVisit(1, '44444444-4444-4444-8444-444444444444');
    // The server refuses the first visit's create (unknown field: a bug-shaped 422).
    await submitVisit(bad.id);
    await submitVisit(good.id);
    await transact(['outbox'], 'readwrite', async (tx) => {
      const first = (await tx.getAll('outbox'))[0];
      if (first) await req(tx.store('outbox').put({ ...first, body: { ...(first.body as object), surprise: 1 } }));
    });
    const result = await replayOutbox();
    expect(result).toMatchObject({ sent: 2, stoppedBy: null, error: { code: 'VALIDATION_ERROR' } });
    expect(server.evaluations.has(good.id)).toBe(true);
    expect(server.evaluations.has(bad.id)).toBe(false);
    expect((await getDraft(bad.id))?.syncError).toMatchObject({ code: 'VALIDATION_ERROR', details: { surprise: ['Unknown field.'] } });
    expect(await pendingCounts()).toEqual({ records: 1, photos: 0, blocked: 1 });
    // Corrected and submitted again: the stale create is replaced and goes through.
    await submitVisit(bad.id);
    expect(await replayOutbox()).toMatchObject({ sent: 1, stoppedBy: null, error: null });
    expect(server.evaluations.has(bad.id)).toBe(true);
    expect(await pendingCounts()).toEqual({ records: 0, photos: 0, blocked: 0 });
  });

  it('stops everything on AUTH_REQUIRED and keeps the outbox for after the sign-in', async () => {
    const server = h.server();
    const visit = await recordedVisit(1);
    server.deviceToken = 'fcd_other';
    await submitVisit(visit.id);
    const result = await replayOutbox();
    expect(result).toMatchObject({ stoppedBy: 'auth', error: { code: 'AUTH_REQUIRED' } });
    expect((await listOutbox()).every((e) => e.state === 'pending')).toBe(true);
    server.deviceToken = null;
    expect(await replayOutbox({ force: true })).toMatchObject({ sent: 2, stoppedBy: null });
  });
});

describe('replay: the server knows better', () => {
  it('adopts the evaluation id the server has for the assignment (409 ASSIGNMENT_ALREADY_RECORDED, still a draft)', async () => {
    const server = h.server();
    // The phone recorded this assignment before, lost its storage, and recorded it again.
    const lost = await recordedVisit(0);
    await submitVisit(lost.id);
    await replayOutbox();
    await transact(['drafts', 'outbox'], 'readwrite', async (tx) => {
      await tx.delete('drafts', lost.id);
    });
    server.evaluations.get(lost.id)!.status = 'draft';
    const again = await recordedVisit(1);
    await saveDraft({ ...again, notes: '第二次记录' });
    await submitVisit(again.id);
    const result = await replayOutbox();
    expect(result).toMatchObject({ stoppedBy: null, error: null });
    expect(server.evaluations.size).toBe(1);
    const ev = server.evaluations.get(lost.id);
    expect(ev).toMatchObject({ status: 'submitted', version: 2 });
    expect(ev?.content['notes']).toBe('第二次记录');
    // The visit lives under the adopted id now; the old id still finds it.
    const adopted = await getDraft(again.id);
    expect(adopted).toMatchObject({ id: lost.id, status: 'synced', serverVersion: 2 });
    expect((await listPhotos(lost.id)).map((p) => p.confirmed)).toEqual([true]);
    expect(server.log).toContain(`PATCH /api/evaluations/${lost.id}`);
  });

  it('does not adopt a record another phone submitted: the create waits for a person, nothing is sent over it', async () => {
    const server = h.server();
    const first = await recordedVisit(0);
    await submitVisit(first.id);
    await replayOutbox();
    expect(server.evaluations.get(first.id)?.status).toBe('submitted');
    // The second phone's visit of the same assignment (here: the same fake server, a new draft).
    const second = await recordedVisit(1);
    await submitVisit(second.id);
    const result = await replayOutbox();
    expect(result).toMatchObject({ stoppedBy: null, error: { code: 'ASSIGNMENT_ALREADY_RECORDED', status: 409 } });
    expect(server.log).not.toContain(`PATCH /api/evaluations/${first.id}`);
    expect(server.evaluations.get(first.id)).toMatchObject({ status: 'submitted', version: 1 });
    const kept = await getDraft(second.id);
    expect(kept).toMatchObject({ id: second.id, status: 'queued', syncError: { code: 'ASSIGNMENT_ALREADY_RECORDED', details: { evaluation_id: first.id } } });
    expect((await listOutbox()).map((e) => [e.kind, e.draftId, e.state])).toEqual([['create', second.id, 'blocked']]);
  });

  it('keeps a visit another phone overtook as a copy, or deletes it; never one still waiting to be sent', async () => {
    const { discardVisit, keepVisitAsCopy, OutboxError } = await import('../../src/data/outbox');
    const first = await recordedVisit(0);
    await submitVisit(first.id);
    await replayOutbox();
    const second = await recordedVisit(1);
    await submitVisit(second.id);
    // Queued and not yet refused: neither keeping nor deleting may drop it unasked.
    await expect(keepVisitAsCopy(second.id)).rejects.toBeInstanceOf(OutboxError);
    await expect(discardVisit(second.id)).rejects.toMatchObject({ code: 'WAITING_TO_BE_SENT' });
    await replayOutbox();
    expect((await getDraft(second.id))?.syncError?.code).toBe('ASSIGNMENT_ALREADY_RECORDED');

    await keepVisitAsCopy(second.id);
    expect(await getDraft(second.id)).toMatchObject({ status: 'superseded', syncError: { code: 'ASSIGNMENT_ALREADY_RECORDED' } });
    expect(await listOutbox()).toEqual([]);
    expect(await pendingCounts()).toEqual({ records: 0, photos: 0, blocked: 0 });
    await expect(submitVisit(second.id)).rejects.toMatchObject({ code: 'ALREADY_SYNCED' });
    expect(await listPhotos(second.id)).toHaveLength(1);

    await discardVisit(second.id);
    expect(await getDraft(second.id)).toBeUndefined();
    expect(await listPhotos(second.id)).toEqual([]);
    // The server's record of the assignment is untouched.
    expect(h.server().evaluations.get(first.id)).toMatchObject({ status: 'submitted', version: 1 });
  });

  it('uploads missing evidence on 422 MISSING_EVIDENCE, then replays the create', async () => {
    const server = h.server();
    const visit = await recordedVisit(2);
    await submitVisit(visit.id);
    await replayOutbox();
    // The server lost one photo (storage restored from a backup), and the phone's visit is
    // sent again (e.g. adopted elsewhere): mark one photo unknown to the server.
    const missingId = visit.photos[1]?.photoId ?? '';
    server.evidence.delete(missingId);
    server.evaluations.clear();
    await transact(['outbox', 'drafts'], 'readwrite', async (tx) => {
      const d = await tx.get('drafts', visit.id);
      if (d) await tx.put('drafts', { ...d, status: 'draft', serverVersion: null });
    });
    await submitVisit(visit.id);
    // Only the create is queued (both photos are confirmed on the phone).
    expect((await listOutbox()).map((e) => e.kind)).toEqual(['create']);
    const result = await replayOutbox();
    expect(result).toMatchObject({ stoppedBy: null, error: null, sent: 2 });
    expect(server.evidence.has(missingId)).toBe(true);
    expect(server.evaluations.get(visit.id)?.status).toBe('submitted');
    const puts = server.log.filter((l) => l.startsWith('PUT')).slice(-3);
    expect(puts).toEqual([`PUT /api/evaluations/${visit.id}`, `PUT /api/evidence/${missingId}`, `PUT /api/evaluations/${visit.id}`]);
  });

  it('blocks (keeps) a create whose missing photo is not on the phone', async () => {
    const server = h.server();
    const d = await newDraft({ engagementId: ENGAGEMENT, siteId: SITE, assignmentId: ASSIGNMENT, mode: 'B' });
    await saveDraft({ ...d, photos: [{ photoId: '99999999-9999-4999-8999-999999999999', item: null }] });
    await submitVisit(d.id);
    const result = await replayOutbox();
    expect(result.error?.code).toBe('MISSING_EVIDENCE');
    expect(await listOutbox()).toHaveLength(1);
    expect(server.evaluations.size).toBe(0);
  });

  it('replays an edit once more on the current version after 412, and keeps it if the record moved on', async () => {
    const server = h.server();
    const visit = await recordedVisit(1);
    await submitVisit(visit.id);
    await replayOutbox();
    server.returnEvaluation(visit.id, '请补充照片');
    const { refreshReturned } = await import('../../src/data/returned');
    await refreshReturned();
    const returned = (await getDraft(visit.id)) as VisitDraft;
    await saveDraft({ ...returned, notes: '已补充' });
    const { resubmitVisit } = await import('../../src/data/outbox');
    await resubmitVisit(visit.id);
    // Meanwhile the same shopper changed it on another phone: our If-Match is stale.
    server.editElsewhere(visit.id, { item_notes: { '1.1': '另一台手机' } });
    const result = await replayOutbox();
    expect(result).toMatchObject({ stoppedBy: null, error: null });
    const ev = server.evaluations.get(visit.id);
    expect(ev).toMatchObject({ status: 'submitted', version: 3 });
    expect(ev?.content['notes']).toBe('已补充');
    // Re-applied field by field: the other phone's change to another field stays.
    expect(ev?.content['item_notes']).toEqual({ '1.1': '另一台手机' });
    expect(server.log.filter((l) => l.startsWith('PATCH'))).toHaveLength(2);
  });

  it('keeps an edit for a person when the other phone changed the same field (412, EDIT_CONFLICT)', async () => {
    const server = h.server();
    const visit = await recordedVisit(0);
    await submitVisit(visit.id);
    await replayOutbox();
    server.returnEvaluation(visit.id, '请补充');
    const { refreshReturned } = await import('../../src/data/returned');
    await refreshReturned();
    await saveDraft({ ...((await getDraft(visit.id)) as VisitDraft), notes: '这台手机的说明' });
    const { resubmitVisit } = await import('../../src/data/outbox');
    await resubmitVisit(visit.id);
    server.editElsewhere(visit.id, { notes: '另一台手机的说明' });
    const result = await replayOutbox();
    expect(result.error).toMatchObject({ code: 'EDIT_CONFLICT', details: { fields: ['notes'] } });
    expect((await listOutbox())[0]).toMatchObject({ kind: 'edit', state: 'blocked' });
    expect(server.evaluations.get(visit.id)?.content['notes']).toBe('另一台手机的说明');
    expect((await getDraft(visit.id))?.syncError?.code).toBe('EDIT_CONFLICT');
  });
});

describe('replay: a phone shared by two people', () => {
  it("sends a visit only while the user who queued it is signed in", async () => {
    const { writeMeta } = await import('../../src/data/db');
    const server = h.server();
    await writeMeta('me', { id: 'user-a' });
    const a = await recordedVisit(1);
    await submitVisit(a.id);
    expect((await listOutbox()).map((e) => e.userId)).toEqual(['user-a', 'user-a']);
    // A signs out, B signs in before the phone had a network.
    await writeMeta('me', { id: 'user-b' });
    const b = await recordedVisit(0, '88888888-8888-4888-8888-888888888888');
    await submitVisit(b.id);
    const result = await replayOutbox();
    expect(result).toMatchObject({ sent: 1, stoppedBy: null, error: { code: 'OTHER_USER' } });
    expect([...server.evaluations.keys()]).toEqual([b.id]);
    expect(server.evidence.size).toBe(0);
    expect(await pendingCounts()).toEqual({ records: 1, photos: 1, blocked: 0 });
    // A signs in again: A's visit goes.
    await writeMeta('me', { id: 'user-a' });
    expect(await replayOutbox({ force: true })).toMatchObject({ sent: 2, stoppedBy: null, error: null });
    expect(server.evaluations.has(a.id)).toBe(true);
  });
});
