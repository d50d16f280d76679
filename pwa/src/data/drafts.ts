/**
 * Visits recorded on the phone (the drafts store). Worker-safe. The UI owns a draft's content
 * and saves it on every change; the sync code owns its sync fields (status, serverVersion,
 * returnComment, serverStatus, contentHash, syncError), so `saveDraft` never overwrites those:
 * a page holding an old copy cannot undo what the service worker just recorded.
 */
import { transact, type Tx } from './db';
import { announceChange } from './events';
import type { VisitDraft } from './types';

export type { GeoFix, Rating, SyncError, VisitDraft } from './types';

const SYNC_FIELDS = ['status', 'serverVersion', 'returnComment', 'serverStatus', 'contentHash', 'syncError', 'baseContent'] as const;

function uuid(): string {
  return crypto.randomUUID();
}

type DraftInit = Pick<VisitDraft, 'engagementId' | 'siteId' | 'assignmentId' | 'mode'>;

/** A visit with nothing recorded yet, under `id` (a new UUID, or the server's for a pulled one). */
export function blankDraft(id: string, init: DraftInit): VisitDraft {
  return {
    id,
    engagementId: init.engagementId,
    siteId: init.siteId,
    assignmentId: init.assignmentId,
    mode: init.mode,
    ratings: {},
    notes: '',
    itemNotes: {},
    startedAt: null,
    endedAt: null,
    gpsFixes: [],
    photos: [],
    status: 'draft',
    serverVersion: null,
    returnComment: null,
    updatedAt: new Date().toISOString(),
    serverStatus: null,
    contentHash: null,
    syncError: null,
  };
}

export async function newDraft(init: DraftInit): Promise<VisitDraft> {
  const draft = blankDraft(uuid(), init);
  await transact(['drafts'], 'readwrite', (tx) => tx.put('drafts', draft));
  announceChange('draft');
  return draft;
}

/**
 * Save the UI's copy. Sync fields keep their stored values; photo links the stored copy has
 * (capturePhoto adds them) but this copy lacks are kept while the photo exists, so a save racing
 * a capture loses nothing.
 */
export async function saveDraft(d: VisitDraft): Promise<void> {
  await transact(['drafts', 'photos'], 'readwrite', async (tx) => {
    const stored = await tx.get('drafts', d.id);
    const next: VisitDraft = { ...clone(d), updatedAt: new Date().toISOString() };
    if (stored !== undefined) {
      for (const field of SYNC_FIELDS) (next as unknown as Record<string, unknown>)[field] = stored[field] ?? null;
      const have = new Set(next.photos.map((p) => p.photoId));
      for (const link of stored.photos) {
        if (have.has(link.photoId)) continue;
        if ((await tx.get('photos', link.photoId)) !== undefined) next.photos.push(link);
      }
    }
    await tx.put('drafts', next);
  });
  announceChange('draft');
}

/** A draft by id, following the alias left when the server's id was adopted (409 CONFLICT). */
export async function getDraft(id: string): Promise<VisitDraft | undefined> {
  return transact(['drafts', 'meta'], 'readonly', (tx) => getDraftIn(tx, id));
}

export async function getDraftIn(tx: Tx, id: string): Promise<VisitDraft | undefined> {
  const draft = await tx.get('drafts', id);
  if (draft !== undefined) return draft;
  const alias = await tx.meta(`alias:${id}`);
  return typeof alias === 'string' ? tx.get('drafts', alias) : undefined;
}

/** Every draft, most recently changed first. */
export async function listDrafts(): Promise<VisitDraft[]> {
  const all = await transact(['drafts'], 'readonly', (tx) => tx.getAll('drafts'));
  return all.sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : a.updatedAt > b.updatedAt ? -1 : 0));
}

/**
 * Visits recorded on this phone and not submitted: drafts, and returned visits being corrected.
 * Only this phone has them (or their corrections) until they are submitted.
 */
export async function countUnsubmitted(): Promise<number> {
  const all = await transact(['drafts'], 'readonly', (tx) => tx.getAll('drafts'));
  return all.filter((d) => d.status === 'draft' || d.status === 'returned').length;
}

/** The draft recording an assignment (the newest, should there be more than one). */
export async function draftForAssignment(assignmentId: string): Promise<VisitDraft | undefined> {
  const found = await transact(['drafts'], 'readonly', (tx) => tx.byIndex('drafts', 'assignmentId', assignmentId));
  return found.sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : -1))[0];
}

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
