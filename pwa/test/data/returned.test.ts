import { describe, expect, it } from 'vitest';
import { getDraft, saveDraft } from '../../src/data/drafts';
import { listOutbox, resubmitVisit, submitVisit } from '../../src/data/outbox';
import { replayOutbox } from '../../src/data/replay';
import { ratingsFromServer, refreshReturned, returnCommentOf } from '../../src/data/returned';
import type { VisitDraft } from '../../src/data/types';
import { photoFor, recordedVisit, useHarness } from './harness';

const h = useHarness();

describe('returned visits', () => {
  it('are found through /api/sync/mine, with the comment, and corrected and resubmitted', async () => {
    const server = h.server();
    const visit = await recordedVisit(1);
    await submitVisit(visit.id);
    await replayOutbox();
    expect(await refreshReturned()).toEqual([]);
    server.returnEvaluation(visit.id, '照片不清楚，请补拍');
    expect(await refreshReturned()).toEqual([visit.id]);
    const returned = (await getDraft(visit.id)) as VisitDraft;
    expect(returned).toMatchObject({ status: 'returned', serverStatus: 'returned', serverVersion: 1, returnComment: '照片不清楚，请补拍' });
    // Known already: a second pull changes nothing (and keeps edits in progress).
    await saveDraft({ ...returned, notes: '正在修改' });
    expect(await refreshReturned()).toEqual([]);
    expect((await getDraft(visit.id))?.notes).toBe('正在修改');

    // The correction: a new photo, then the PATCH with If-Match "v1" and submit.
    const extra = await photoFor(visit.id, 9, '1.2');
    await resubmitVisit(visit.id);
    expect((await listOutbox()).map((e) => e.kind)).toEqual(['evidence', 'edit']);
    expect((await getDraft(visit.id))?.status).toBe('queued');
    expect(await replayOutbox()).toMatchObject({ stoppedBy: null, sent: 2 });
    const ev = server.evaluations.get(visit.id);
    expect(ev).toMatchObject({ status: 'submitted', version: 2 });
    expect(ev?.content['notes']).toBe('正在修改');
    expect((ev?.content['evidence'] as { evidence_id: string }[]).map((e) => e.evidence_id)).toContain(extra.id);
    expect(await getDraft(visit.id)).toMatchObject({ status: 'synced', serverVersion: 2, serverStatus: 'submitted' });
  });

  it('a resubmission whose answer was lost is recognised by the server when replayed', async () => {
    const server = h.server();
    const visit = await recordedVisit(0);
    await submitVisit(visit.id);
    await replayOutbox();
    server.returnEvaluation(visit.id, '请补充说明');
    await refreshReturned();
    await saveDraft({ ...((await getDraft(visit.id)) as VisitDraft), notes: '补充' });
    await resubmitVisit(visit.id);
    server.failNext(/^PATCH/, 'lost');
    expect(await replayOutbox()).toMatchObject({ stoppedBy: 'retry' });
    expect(server.evaluations.get(visit.id)?.version).toBe(2);
    // Same If-Match "v1" again: 200, nothing written a second time.
    expect(await replayOutbox({ force: true })).toMatchObject({ stoppedBy: null, sent: 1 });
    expect(server.evaluations.get(visit.id)).toMatchObject({ version: 2, status: 'submitted' });
    expect(server.evaluations.get(visit.id)?.contentHashes).toHaveLength(2);
  });

  it('a returned visit this phone never had becomes a draft from the server copy', async () => {
    const server = h.server();
    const visit = await recordedVisit(1);
    await submitVisit(visit.id);
    await replayOutbox();
    server.returnEvaluation(visit.id, '重做');
    // Storage cleared: the phone forgets everything.
    const { closeDatabase } = await import('../../src/data/db');
    await closeDatabase();
    const { IDBFactory } = await import('fake-indexeddb');
    globalThis.indexedDB = new IDBFactory();
    expect(await refreshReturned()).toEqual([visit.id]);
    const pulled = (await getDraft(visit.id)) as VisitDraft;
    expect(pulled).toMatchObject({
      id: visit.id,
      engagementId: visit.engagementId,
      assignmentId: visit.assignmentId,
      mode: 'B',
      status: 'returned',
      serverVersion: 1,
      returnComment: '重做',
      notes: '服务热情',
      photos: [{ photoId: visit.photos[0]?.photoId, item: '1.1' }],
    });
    // Resubmitting cites the photo the server has, without uploading it (not on this phone).
    await resubmitVisit(visit.id);
    expect((await listOutbox()).map((e) => e.kind)).toEqual(['edit']);
    expect(await replayOutbox()).toMatchObject({ stoppedBy: null, sent: 1 });
    expect(server.evaluations.get(visit.id)?.status).toBe('submitted');
  });

  it('reads the last return comment and α as numbers', () => {
    expect(
      returnCommentOf([
        { to_status: 'returned', comment: 'first', at: '1' },
        { to_status: 'submitted', comment: null, at: '2' },
        { to_status: 'returned', comment: 'second', at: '3' },
      ]),
    ).toBe('second');
    expect(returnCommentOf([])).toBeNull();
    expect(ratingsFromServer({ '1.1': { alpha: '0.75' }, '1.2': { level: 3 }, '1.3': { na: true, reason: 'x' } })).toEqual({
      '1.1': { alpha: 0.75 },
      '1.2': { level: 3 },
      '1.3': { na: true, reason: 'x' },
    });
  });
});

describe('freeing storage', () => {
  it('deletes confirmed photos of decided visits only, after the server status is known', async () => {
    const { pruneConfirmedPhotos, listPhotos } = await import('../../src/data/photo-store');
    const server = h.server();
    const decided = await recordedVisit(2);
    const open = await recordedVisit(1, '55555555-5555-4555-8555-555555555555');
    await submitVisit(decided.id);
    await submitVisit(open.id);
    await replayOutbox();
    const unsent = await recordedVisit(1, '66666666-6666-4666-8666-666666666666');
    expect(await pruneConfirmedPhotos()).toBe(0); // nothing decided yet
    server.evaluations.get(decided.id)!.status = 'accepted';
    await refreshReturned();
    expect((await getDraft(decided.id))?.serverStatus).toBe('accepted');
    expect(await pruneConfirmedPhotos()).toBe(2);
    expect(await listPhotos(decided.id)).toEqual([]);
    expect((await getDraft(decided.id))?.photos).toHaveLength(2); // still cited by id
    expect(await listPhotos(open.id)).toHaveLength(1);
    expect(await listPhotos(unsent.id)).toHaveLength(1);
  });
});
