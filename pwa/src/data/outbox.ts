/**
 * Queueing a visit for the server (persist first, then send: STYLE.md "The outbox pattern").
 * `submitVisit` writes every request the visit needs into the outbox in ONE transaction with the
 * draft's new status, so a visit is either wholly queued or not at all; data/replay.ts sends
 * them later, in order. The entries themselves are written by data/outbox-store.ts. Worker-safe.
 */
import { createBody, editBody } from '../shared/wire';
import { transact, type Tx } from './db';
import { getDraftIn } from './drafts';
import { announceChange } from './events';
import { enqueue, enqueued, entriesOf, remove, removeAllOf, unblock } from './outbox-store';
import type { VisitDraft } from './types';

export { listOutbox, onEnqueued, pendingCounts, userIdOf } from './outbox-store';

/** Why a visit cannot be queued (the UI shows it; nothing was written). */
export class OutboxError extends Error {
  readonly code: 'NO_DRAFT' | 'ALREADY_QUEUED' | 'ALREADY_SYNCED' | 'NOT_RETURNED' | 'WAITING_TO_BE_SENT';
  constructor(code: OutboxError['code'], message: string) {
    super(message);
    this.name = 'OutboxError';
    this.code = code;
  }
}

/**
 * Queue a new visit for the server: each photo the server has not confirmed (PUT
 * /api/evidence/<id>), then the evaluation with `submit: true` (PUT /api/evaluations/<id>,
 * or a PATCH if the server already has it). draft.status becomes 'queued'.
 *
 * A visit whose entries were blocked (a validation error, say) can be corrected and submitted
 * again: its blocked create/edit (the server wrote nothing for them) is replaced by one with the
 * corrected content, and its blocked uploads are tried again.
 */
export async function submitVisit(draftId: string): Promise<void> {
  await enqueueVisit(draftId, 'submit');
}

/**
 * Queue the correction of a returned visit: new photos, then PATCH /api/evaluations/<id> with
 * If-Match of the version the server returned it at and `submit: true`.
 */
export async function resubmitVisit(draftId: string): Promise<void> {
  await enqueueVisit(draftId, 'resubmit');
}

async function enqueueVisit(draftId: string, why: 'submit' | 'resubmit'): Promise<void> {
  await transact(['drafts', 'photos', 'outbox', 'meta'], 'readwrite', async (tx) => {
    const draft = await getDraftIn(tx, draftId);
    if (draft === undefined) throw new OutboxError('NO_DRAFT', `No visit ${draftId} on this phone`);
    const entries = await entriesOf(tx, draft.id);
    const blocked = entries.filter((e) => e.state === 'blocked');
    const fixing = draft.status === 'queued' && blocked.length > 0;
    if (why === 'resubmit' && draft.status !== 'returned' && !fixing) {
      throw new OutboxError('NOT_RETURNED', 'Only a returned visit can be corrected and resubmitted');
    }
    if (draft.status === 'queued' && !fixing) {
      throw new OutboxError('ALREADY_QUEUED', 'This visit is already waiting to be sent');
    }
    if (draft.status === 'synced') throw new OutboxError('ALREADY_SYNCED', 'The server already has this visit');
    if (draft.status === 'superseded') {
      throw new OutboxError('ALREADY_SYNCED', 'Another visit of this assignment is on the server; this one is a copy');
    }

    // Blocked creates/edits carry stale content: drop them (the server stored nothing for
    // them: 422/403/404 write nothing) and queue the current content below. Blocked uploads are
    // tried again as they are (their photo is the same file).
    for (const e of blocked) {
      if (e.kind === 'evidence') await unblock(tx, e);
      else if (e.seq !== undefined) await remove(tx, e.seq);
    }
    const pendingUploads = new Set(entries.filter((e) => e.kind === 'evidence').map((e) => e.photoId));
    for (const link of draft.photos) {
      if (pendingUploads.has(link.photoId)) continue;
      const photo = await tx.get('photos', link.photoId);
      // Not on this phone: the server has it already (a visit pulled back after a return).
      if (photo === undefined || photo.meta.confirmed) continue;
      await enqueue(tx, { kind: 'evidence', draftId: draft.id, photoId: photo.id });
      pendingUploads.add(photo.id);
    }
    await queueRecord(tx, draft);
    const next: VisitDraft = { ...draft, status: 'queued', syncError: null, updatedAt: new Date().toISOString() };
    await tx.put('drafts', next);
  });
  enqueued();
}

/** The create (the server has never acknowledged this visit) or the edit (it has). */
async function queueRecord(tx: Tx, draft: VisitDraft): Promise<void> {
  if (draft.serverVersion === null) {
    await enqueue(tx, { kind: 'create', draftId: draft.id, body: createBody(draft, true) });
  } else {
    await enqueue(tx, {
      kind: 'edit',
      draftId: draft.id,
      body: editBody(draft, true),
      ifMatch: draft.serverVersion,
      base: draft.baseContent ?? null,
    });
  }
}

/**
 * The user gives up sending a visit the server will not take (409 ASSIGNMENT_ALREADY_RECORDED:
 * another phone's visit of the assignment counts) or never sent. Refused while any of its
 * entries still waits to be sent (only blocked ones may go): nothing queued is lost unasked.
 */
async function giveUp(tx: Tx, draftId: string): Promise<VisitDraft> {
  const draft = await getDraftIn(tx, draftId);
  if (draft === undefined) throw new OutboxError('NO_DRAFT', `No visit ${draftId} on this phone`);
  if (draft.status === 'synced' || draft.status === 'returned') {
    throw new OutboxError('ALREADY_SYNCED', 'The server has this visit: it cannot be given up on the phone');
  }
  if ((await entriesOf(tx, draft.id)).some((e) => e.state === 'pending')) {
    throw new OutboxError('WAITING_TO_BE_SENT', 'This visit is still waiting to be sent');
  }
  await removeAllOf(tx, draft.id);
  return draft;
}

/**
 * Keep a visit the server will not take as a read-only copy on this phone (status
 * 'superseded'): its refused entries leave the outbox and it is never sent; its photos stay.
 */
export async function keepVisitAsCopy(draftId: string): Promise<void> {
  await transact(['drafts', 'outbox', 'meta'], 'readwrite', async (tx) => {
    const draft = await giveUp(tx, draftId);
    await tx.put('drafts', { ...draft, status: 'superseded', updatedAt: new Date().toISOString() });
  });
  announceChange('draft');
}

/**
 * Delete a visit the server will not take (or a draft never sent), with its photos on this
 * phone and its refused entries. The server's own records are untouched.
 */
export async function discardVisit(draftId: string): Promise<void> {
  await transact(['drafts', 'photos', 'outbox', 'meta'], 'readwrite', async (tx) => {
    const draft = await giveUp(tx, draftId);
    for (const photo of await tx.byIndex('photos', 'evaluationId', draft.id)) await tx.delete('photos', photo.id);
    await tx.delete('drafts', draft.id);
  });
  announceChange('draft');
}
