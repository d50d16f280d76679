import { describe, expect, it } from 'vitest';
import { draftForAssignment, getDraft, listDrafts, newDraft, saveDraft } from '../../src/data/drafts';
import { transact } from '../../src/data/db';
import { deletePhoto, getPhotoBlob, listPhotos } from '../../src/data/photo-store';
import { submitVisit } from '../../src/data/outbox';
import type { VisitDraft } from '../../src/data/types';
import { ASSIGNMENT, ENGAGEMENT, SITE, jpegBlob, photoFor, useHarness } from './harness';

useHarness();

const init = { engagementId: ENGAGEMENT, siteId: SITE, assignmentId: ASSIGNMENT, mode: 'B' };

describe('drafts', () => {
  it('a new draft has a UUID, is empty and stored', async () => {
    const d = await newDraft(init);
    expect(d.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(d).toMatchObject({ ...init, status: 'draft', serverVersion: null, ratings: {}, photos: [] });
    expect(await getDraft(d.id)).toEqual(d);
  });

  it('saves every change and finds drafts by assignment, newest first', async () => {
    const a = await newDraft(init);
    const b = await newDraft({ ...init, assignmentId: null, mode: 'A' });
    // A later change (updatedAt has millisecond resolution).
    await new Promise((r) => setTimeout(r, 5));
    await saveDraft({ ...a, ratings: { '1.1': { level: 5 } }, notes: '好' });
    expect(await getDraft(a.id)).toMatchObject({ ratings: { '1.1': { level: 5 } }, notes: '好' });
    expect((await draftForAssignment(ASSIGNMENT))?.id).toBe(a.id);
    expect(await draftForAssignment('none')).toBeUndefined();
    expect((await listDrafts()).map((d) => d.id)).toEqual([a.id, b.id]);
  });

  it("a save never overwrites the sync code's fields", async () => {
    const d = await newDraft(init);
    await transact(['drafts'], 'readwrite', (tx) =>
      tx.put('drafts', { ...d, status: 'returned', serverVersion: 3, returnComment: '请补拍' }),
    );
    // The page still holds its old copy (status draft) and saves an edit.
    await saveDraft({ ...d, notes: '改了' });
    expect(await getDraft(d.id)).toMatchObject({ notes: '改了', status: 'returned', serverVersion: 3, returnComment: '请补拍' });
  });

  it('a save from a copy older than a capture keeps the new photo', async () => {
    const d = await newDraft(init);
    const photo = await photoFor(d.id, 1);
    await saveDraft({ ...d, notes: 'x' });
    expect((await getDraft(d.id))?.photos).toEqual([{ photoId: photo.id, item: '1.1' }]);
  });
});

describe('photos', () => {
  it('are hashed and stored with the capture data, and linked to their draft', async () => {
    const d = await newDraft(init);
    const photo = await photoFor(d.id, 7, '2.1');
    const blob = await getPhotoBlob(photo.id);
    expect(blob?.size).toBe(photo.size);
    const bytes = new Uint8Array(await (blob as Blob).arrayBuffer());
    const { createHash } = await import('node:crypto');
    expect(photo.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(photo).toMatchObject({ evaluationId: d.id, item: '2.1', confirmed: false, mediaType: 'image/jpeg', width: 1600, height: 1200 });
    expect(photo.capturedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$/);
    expect(photo.fix?.accuracy_m).toBe(12.5);
    expect((await listPhotos(d.id)).map((p) => p.id)).toEqual([photo.id]);
    expect((await getDraft(d.id))?.photos).toEqual([{ photoId: photo.id, item: '2.1' }]);
    expect(jpegBlob(7).size).toBe(photo.size);
  });

  it('an unsent photo can be deleted; one waiting in the outbox or confirmed cannot', async () => {
    const d = await newDraft(init);
    const keep = await photoFor(d.id, 1);
    const drop = await photoFor(d.id, 2);
    await deletePhoto(drop.id);
    expect(await getPhotoBlob(drop.id)).toBeUndefined();
    expect((await getDraft(d.id))?.photos.map((p) => p.photoId)).toEqual([keep.id]);
    await submitVisit(d.id);
    await expect(deletePhoto(keep.id)).rejects.toMatchObject({ name: 'StorageError' });
    await transact(['photos'], 'readwrite', async (tx) => {
      const p = await tx.get('photos', keep.id);
      if (p) await tx.put('photos', { ...p, meta: { ...p.meta, confirmed: true } });
    });
    await expect(deletePhoto(keep.id)).rejects.toMatchObject({ name: 'StorageError' });
    expect(await getPhotoBlob(keep.id)).toBeDefined();
  });
});

describe('queueing a visit', () => {
  it('puts the uploads, then the create, in the outbox in one go, and marks the draft queued', async () => {
    const { listOutbox, pendingCounts } = await import('../../src/data/outbox');
    const d = await newDraft(init);
    const p1 = await photoFor(d.id, 1);
    const p2 = await photoFor(d.id, 2, null);
    await submitVisit(d.id);
    const entries = await listOutbox();
    expect(entries.map((e) => [e.kind, e.photoId ?? null])).toEqual([
      ['evidence', p1.id],
      ['evidence', p2.id],
      ['create', null],
    ]);
    expect(entries[2]?.body).toMatchObject({
      engagement_id: ENGAGEMENT,
      submit: true,
      evidence: [
        { evidence_id: p1.id, item: '1.1' },
        { evidence_id: p2.id, item: null },
      ],
    });
    expect((await getDraft(d.id))?.status).toBe('queued');
    expect(await pendingCounts()).toEqual({ records: 1, photos: 2, blocked: 0 });
    await expect(submitVisit(d.id)).rejects.toMatchObject({ code: 'ALREADY_QUEUED' });
    expect(await listOutbox()).toHaveLength(3);
  });

  it('queues nothing at all when the visit does not exist', async () => {
    const { listOutbox, OutboxError } = await import('../../src/data/outbox');
    await expect(submitVisit('nope')).rejects.toBeInstanceOf(OutboxError);
    expect(await listOutbox()).toEqual([]);
  });

  it('a returned visit is resubmitted as a PATCH on the version it was returned at', async () => {
    const { listOutbox, resubmitVisit } = await import('../../src/data/outbox');
    const d = await newDraft(init);
    await expect(resubmitVisit(d.id)).rejects.toMatchObject({ code: 'NOT_RETURNED' });
    const returned: VisitDraft = { ...d, status: 'returned', serverVersion: 2, notes: '改正' };
    await transact(['drafts'], 'readwrite', (tx) => tx.put('drafts', returned));
    await resubmitVisit(d.id);
    const [edit] = await listOutbox();
    expect(edit).toMatchObject({ kind: 'edit', ifMatch: 2, body: { notes: '改正', submit: true } });
    expect(edit?.body).not.toHaveProperty('engagement_id');
  });
});
