/**
 * Photos kept on the phone until the server confirms their SHA-256 (the photos store). The
 * image work (decoding, downscaling) is in data/photos.ts, which needs a canvas; this part only
 * hashes and stores, so the service worker and the tests use it too.
 */
import { isoWithOffset, toHex } from '../shared/wire';
import { StorageError, toStorageError, transact } from './db';
import { announceChange } from './events';
import { allEntries, entriesOf, remove } from './outbox-store';
import type { GeoFix, PhotoRecord, StoredPhoto } from './types';

/** SHA-256 of a blob, lower-case hex (WebCrypto). */
export async function sha256Hex(blob: Blob): Promise<string> {
  const bytes = await blob.arrayBuffer();
  return toHex(await crypto.subtle.digest('SHA-256', bytes));
}

export interface ProcessedImage {
  blob: Blob;
  width: number;
  height: number;
  originalSize: number;
  fileName: string | null;
}

/**
 * Hash `image.blob` and store it with its record in ONE transaction that also links it to its
 * draft (if the draft exists), and resolve only once that transaction has committed.
 */
export async function storePhoto(
  image: ProcessedImage,
  opts: { evaluationId: string; item: string | null; fix: GeoFix | null; capturedAt?: Date },
): Promise<PhotoRecord> {
  const capturedAt = isoWithOffset(opts.capturedAt ?? new Date());
  const sha256 = await sha256Hex(image.blob);
  const meta: PhotoRecord = {
    id: crypto.randomUUID(),
    evaluationId: opts.evaluationId,
    item: opts.item,
    sha256,
    size: image.blob.size,
    originalSize: image.originalSize,
    width: image.width,
    height: image.height,
    mediaType: 'image/jpeg',
    capturedAt,
    fix: opts.fix === null ? null : { ...opts.fix },
    confirmed: false,
    fileName: image.fileName,
  };
  const record: StoredPhoto = { id: meta.id, evaluationId: meta.evaluationId, meta, blob: image.blob };
  try {
    await transact(['photos', 'drafts'], 'readwrite', async (tx) => {
      await tx.put('photos', record);
      const draft = await tx.get('drafts', opts.evaluationId);
      if (draft !== undefined && !draft.photos.some((p) => p.photoId === meta.id)) {
        await tx.put('drafts', {
          ...draft,
          photos: [...draft.photos, { photoId: meta.id, item: opts.item }],
          updatedAt: new Date().toISOString(),
        });
      }
    });
  } catch (error) {
    throw toStorageError(error);
  }
  announceChange('photo');
  return meta;
}

export async function getPhotoBlob(id: string): Promise<Blob | undefined> {
  const photo = await transact(['photos'], 'readonly', (tx) => tx.get('photos', id));
  return photo?.blob;
}

export async function getPhoto(id: string): Promise<PhotoRecord | undefined> {
  const photo = await transact(['photos'], 'readonly', (tx) => tx.get('photos', id));
  return photo?.meta;
}

/** The photos of a visit, in capture order. */
export async function listPhotos(evaluationId: string): Promise<PhotoRecord[]> {
  const found = await transact(['photos'], 'readonly', (tx) => tx.byIndex('photos', 'evaluationId', evaluationId));
  return found.map((p) => p.meta).sort((a, b) => (a.capturedAt < b.capturedAt ? -1 : a.capturedAt > b.capturedAt ? 1 : 0));
}

/**
 * Delete a photo the server does not have: one taken by mistake, or one the server refused
 * (its upload blocked). Refused for a confirmed photo (the evaluation may cite it) and for one
 * whose upload is still waiting to be sent (the visit is queued with it).
 */
export async function deletePhoto(id: string): Promise<void> {
  await transact(['photos', 'drafts', 'outbox'], 'readwrite', async (tx) => {
    const photo = await tx.get('photos', id);
    if (photo === undefined) return;
    if (photo.meta.confirmed) {
      throw new StorageError('unknown', 'This photo is on the server already and stays with the visit');
    }
    for (const e of await entriesOf(tx, photo.evaluationId)) {
      if (e.kind !== 'evidence' || e.photoId !== id) continue;
      if (e.state === 'pending') {
        throw new StorageError('unknown', 'This photo is waiting to be sent with its visit');
      }
      // A refused upload the user gave up with the photo.
      if (e.seq !== undefined) await remove(tx, e.seq);
    }
    await tx.delete('photos', id);
    const draft = await tx.get('drafts', photo.evaluationId);
    if (draft !== undefined) {
      await tx.put('drafts', {
        ...draft,
        photos: draft.photos.filter((p) => p.photoId !== id),
        updatedAt: new Date().toISOString(),
      });
    }
  });
  announceChange('photo');
}

/** Review outcomes after which a visit's photos are only needed on the server. */
const FINAL_STATUSES = new Set(['accepted', 'rejected', 'excluded']);

/**
 * Free the phone's storage: delete photos the server confirmed (its SHA-256 equals ours) whose
 * visit has a final review outcome (accepted, rejected, excluded), or whose on-site record the
 * server acknowledged. Nothing unconfirmed, nothing
 * of a visit still open or in the outbox is touched; the visit keeps citing the photo by id
 * (the server has it: GET /api/evidence/<id>/thumbnail). Resolves with the number deleted.
 */
export async function pruneConfirmedPhotos(): Promise<number> {
  const deleted = await transact(['photos', 'drafts', 'onsite', 'outbox'], 'readwrite', async (tx) => {
    const busy = new Set((await allEntries(tx)).map((e) => e.draftId));
    const done: string[] = [];
    for (const draft of await tx.getAll('drafts')) {
      if (busy.has(draft.id) || draft.status !== 'synced' || !FINAL_STATUSES.has(draft.serverStatus ?? '')) continue;
      done.push(draft.id);
    }
    // On-site records (src/onsite/): once the server acknowledged the record that cites them
    // (state sent, nothing of it left in the outbox). A record the team leader returns later
    // shows them from the server (onsite/evidence.ts), and its correction cites them by id.
    for (const record of await tx.getAll('onsite')) {
      if (busy.has(record.id) || record.state !== 'sent') continue;
      done.push(record.id);
    }
    let count = 0;
    for (const id of done) {
      for (const photo of await tx.byIndex('photos', 'evaluationId', id)) {
        if (!photo.meta.confirmed) continue;
        await tx.delete('photos', photo.id);
        count += 1;
      }
    }
    return count;
  });
  if (deleted > 0) announceChange('photo');
  return deleted;
}
