/**
 * Sending the outbox (docs/sync.md, docs/evidence.md). Runs in the window and in the service
 * worker (Background Sync), never both at once (data/lock.ts). Rules:
 *
 * - In order (`seq`), one request at a time; every request is safe to repeat (client UUIDs,
 *   PUT, If-Match pinned before the first attempt), so a request cut off half way is simply
 *   sent again.
 * - An entry leaves the outbox only in the same transaction that records the server's
 *   confirmation (a photo: the server's SHA-256 equals ours; a record: its ETag version).
 * - A failure that time cures (no network, 5xx, 429, a cut-off upload) keeps the entry, stops
 *   the run and backs off (2 s … 10 min, with jitter); an answer that needs a person (validation,
 *   conflict, forbidden) keeps the entry as `blocked`, records the error on the draft (or the
 *   survey answer), and lets other visits go on.
 * - Face-to-face survey answers (kind 'survey', docs/surveys.md) go the same way: PUT under the
 *   phone's UUID, 201/200 confirm it, 409 IDEMPOTENCY_CONFLICT and 422 block it.
 */
import { backoffDelay } from '../shared/backoff';
import { decide, type Decision, type Failure } from '../shared/outcome';
import { CONTENT_FIELDS, editBody, isoWithOffset, parseEtagVersion, rebase, type EvaluationAnswer, type EvaluationCreateBody, type EvaluationReceipt } from '../shared/wire';
import { ApiError, NetworkError, apiFetch } from './api';
import { transact, type Tx } from './db';
import { announceChange } from './events';
import { newOwnerId, renewLease, withOutboxLock } from './lock';
import * as outbox from './outbox-store';
import { userIdOf } from './outbox-store';
import { sha256Hex } from './photo-store';
import type { OnsiteServerCopy, OutboxEntry, SyncError, SyncMeta, VisitDraft } from './types';

export interface ReplayResult {
  /** false: another context was sending, or the back-off time has not come (and not forced). */
  ran: boolean;
  /** Entries the server confirmed in this run. */
  sent: number;
  /** Why the run stopped early: null when the outbox was worked through. */
  stoppedBy: null | 'retry' | 'auth' | 'lease-lost' | 'backoff' | 'busy';
  error: SyncError | null;
}

const INITIAL_META: SyncMeta = { failures: 0, nextAttemptAt: 0, lastSuccessAt: null, lastError: null };

export async function readSyncMeta(): Promise<SyncMeta> {
  const meta = await transact(['meta'], 'readonly', (tx) => tx.meta('sync'));
  return { ...INITIAL_META, ...(meta ?? {}) };
}

async function updateSyncMeta(change: (m: SyncMeta) => SyncMeta): Promise<SyncMeta> {
  return transact(['meta'], 'readwrite', async (tx) => {
    const next = change({ ...INITIAL_META, ...((await tx.meta('sync')) ?? {}) });
    await tx.setMeta('sync', next);
    return next;
  });
}

function toSyncError(error: unknown): SyncError {
  if (error instanceof LocalProblem) return { code: error.code, message: error.message, status: 0 };
  if (error instanceof ApiError) {
    return { code: error.code, message: error.message, status: error.status, details: error.details };
  }
  if (error instanceof NetworkError) {
    return { code: error.timedOut ? 'TIMEOUT' : 'NETWORK', message: error.message, status: 0 };
  }
  const name = typeof error === 'object' && error !== null ? (error as { name?: string }).name : undefined;
  if (name === 'StorageError') {
    const kind = (error as { kind?: string }).kind ?? 'unknown';
    return { code: kind === 'quota' ? 'STORAGE_QUOTA' : 'STORAGE_ERROR', message: (error as Error).message, status: 0 };
  }
  return { code: 'CLIENT_ERROR', message: error instanceof Error ? error.message : String(error), status: 0 };
}

function failureOf(error: unknown): Failure {
  if (error instanceof ApiError) return { status: error.status, code: error.code, details: error.details };
  return { status: 0, code: error instanceof NetworkError ? 'NETWORK' : 'CLIENT_ERROR', details: null };
}

/** Options for tests: the clock and the jitter source. */
export interface ReplayOptions {
  /** Ignore the back-off wait (the user tapped "sync now"; Background Sync fired). */
  force?: boolean;
  now?: () => number;
  random?: () => number;
  /** Who holds the lease (default: a fresh id per run). */
  owner?: string;
}

/** Send the outbox (see the module comment). */
export async function replayOutbox(options: ReplayOptions = {}): Promise<ReplayResult> {
  const now = options.now ?? Date.now;
  if (!options.force) {
    const meta = await readSyncMeta();
    if (meta.nextAttemptAt > now()) return { ran: false, sent: 0, stoppedBy: 'backoff', error: meta.lastError };
  }
  const owner = options.owner ?? newOwnerId();
  const outcome = await withOutboxLock(owner, () => new Run(owner, now, options.random ?? Math.random).run());
  if (!outcome.ran) return { ran: false, sent: 0, stoppedBy: 'busy', error: null };
  announceChange('replayed');
  return outcome.result;
}

class Run {
  private sent = 0;
  /** Drafts already given one "upload the missing evidence" round or one 412 re-pin this run. */
  private reuploaded = new Set<string>();
  private repinned = new Set<number>();
  /** Entries queued by another user of this phone were left in the outbox. */
  private othersWaiting = false;

  constructor(
    private readonly owner: string,
    private readonly now: () => number,
    private readonly random: () => number,
  ) {}

  async run(): Promise<ReplayResult> {
    for (;;) {
      const next = await this.nextEntry();
      if (next === null) break;
      if (!(await renewLease(this.owner, this.now()))) {
        return { ran: true, sent: this.sent, stoppedBy: 'lease-lost', error: null };
      }
      const stop = await this.process(next);
      if (stop !== null) return stop;
    }
    const blockedError =
      (await this.firstBlockedError()) ??
      (this.othersWaiting
        ? { code: 'OTHER_USER', message: 'Visits queued by another user wait for them to sign in on this phone', status: 0 }
        : null);
    await updateSyncMeta((m) => ({
      ...m,
      failures: 0,
      nextAttemptAt: 0,
      lastSuccessAt: new Date(this.now()).toISOString(),
      lastError: blockedError,
    }));
    return { ran: true, sent: this.sent, stoppedBy: null, error: blockedError };
  }

  /**
   * The first pending entry of a visit that has no blocked entry (those wait for a person) and
   * that the signed-in user queued (another user's wait for them to sign in on this phone).
   */
  private async nextEntry(): Promise<OutboxEntry | null> {
    const { all, me } = await transact(['outbox', 'meta'], 'readonly', async (tx) => ({
      all: await outbox.allEntries(tx),
      me: userIdOf(await tx.meta('me')),
    }));
    const blockedDrafts = new Set(all.filter((e) => e.state === 'blocked').map((e) => e.draftId));
    const mine = (e: OutboxEntry): boolean => !e.userId || me === null || e.userId === me;
    this.othersWaiting = all.some((e) => e.state === 'pending' && !mine(e));
    return all.find((e) => e.state === 'pending' && !blockedDrafts.has(e.draftId) && mine(e)) ?? null;
  }

  private async firstBlockedError(): Promise<SyncError | null> {
    const all = await outbox.listOutbox();
    return all.find((e) => e.state === 'blocked')?.lastError ?? null;
  }

  /** Send one entry and record the outcome; a ReplayResult when the run must stop. */
  private async process(entry: OutboxEntry): Promise<ReplayResult | null> {
    const seq = entry.seq as number;
    // Count the attempt (and, for an edit, pin its If-Match) BEFORE sending, so whatever
    // happens next, a replay sends the very same request.
    const prepared = await transact(['outbox', 'drafts'], 'readwrite', async (tx) => {
      const draft = await tx.get('drafts', entry.draftId);
      return outbox.beginAttempt(tx, seq, new Date(this.now()).toISOString(), draft?.serverVersion ?? null);
    });
    if (prepared === null) return null; // changed under us (the user re-queued it): look again
    try {
      switch (prepared.kind) {
        case 'evidence':
          await this.sendEvidence(prepared);
          break;
        case 'create':
          await this.sendCreate(prepared);
          break;
        case 'edit':
          await this.sendEdit(prepared);
          break;
        case 'survey':
          await this.sendSurvey(prepared);
          break;
        case 'onsite':
          await this.sendOnsite(prepared);
          break;
      }
      this.sent += 1;
      // Let every indicator count down as entries go, not only at the end of the run.
      announceChange('sent');
      return null;
    } catch (error) {
      return this.handleFailure(prepared, error);
    }
  }

  private async sendEvidence(entry: OutboxEntry): Promise<void> {
    const photo = await transact(['photos'], 'readonly', (tx) => tx.get('photos', entry.photoId ?? ''));
    if (photo === undefined) {
      throw new LocalProblem('PHOTO_MISSING', 'The photo is no longer on this phone');
    }
    if (!photo.meta.confirmed) {
      const m = photo.meta;
      const headers: Record<string, string> = {
        'X-Content-SHA256': m.sha256,
        'X-Captured-At': m.capturedAt,
        'X-Device-Time': deviceTime(),
      };
      if (m.fix !== null) {
        headers['X-Capture-Latitude'] = String(m.fix.latitude);
        headers['X-Capture-Longitude'] = String(m.fix.longitude);
        headers['X-Capture-Accuracy'] = String(m.fix.accuracy_m);
      }
      if (m.fileName) headers['X-Original-Filename'] = encodeURIComponent(m.fileName);
      const { data } = await apiFetch<{ sha256?: string }>('PUT', `/api/evidence/${m.id}`, { body: photo.blob, headers });
      if (data?.sha256 !== m.sha256) {
        // Never drop a photo on an answer that does not name our hash.
        throw new LocalProblem('SHA256_NOT_CONFIRMED', `The server answered SHA-256 ${String(data?.sha256)}, not ${m.sha256}`);
      }
    }
    await transact(['photos', 'outbox'], 'readwrite', async (tx) => {
      const stored = await tx.get('photos', photo.id);
      if (stored !== undefined && !stored.meta.confirmed) {
        await tx.put('photos', { ...stored, meta: { ...stored.meta, confirmed: true } });
      }
      await outbox.acknowledge(tx, entry.seq as number);
    });
  }

  private async sendCreate(entry: OutboxEntry): Promise<void> {
    // Only the receipt (status, version, content hash: what acknowledge keeps): the server then
    // reads nothing back after writing the visit (RFC 7240 return=minimal, docs/sync.md).
    const answer = await apiFetch<EvaluationReceipt>('PUT', `/api/evaluations/${entry.draftId}`, {
      json: entry.body,
      headers: { 'X-Device-Time': deviceTime(), Prefer: 'return=minimal' },
    });
    await this.acknowledge(entry, answer.data, answer.etag);
  }

  private async sendEdit(entry: OutboxEntry): Promise<void> {
    let base = entry.ifMatch ?? null;
    if (base === null) {
      // Never acknowledged on this phone (an adopted id): learn the version first.
      const current = await apiFetch<EvaluationAnswer>('GET', `/api/evaluations/${entry.draftId}`);
      base = parseEtagVersion(current.etag) ?? current.data.version;
      const pinned = base;
      await transact(['outbox'], 'readwrite', (tx) => outbox.revise(tx, entry.seq as number, { ifMatch: pinned }));
    }
    const answer = await apiFetch<EvaluationAnswer>('PATCH', `/api/evaluations/${entry.draftId}`, {
      json: entry.body,
      ifMatch: base,
      headers: { 'X-Device-Time': deviceTime() },
    });
    await this.acknowledge(entry, answer.data, answer.etag);
  }

  /**
   * A face-to-face survey answer: PUT under its own id (201 stored, 200 the same content was
   * already stored). Confirmed only when the answer names this id as an offline answer; then
   * the entry goes and the answer is marked sent, in one transaction.
   */
  private async sendSurvey(entry: OutboxEntry): Promise<void> {
    const { data } = await apiFetch<{ id?: string; channel?: string }>('PUT', `/api/survey-responses/${entry.draftId}`, {
      json: entry.body,
    });
    if (data?.id !== entry.draftId || data.channel !== 'offline') {
      throw new LocalProblem('SURVEY_NOT_CONFIRMED', `The server answered ${String(data?.id)} (${String(data?.channel)}), not ${entry.draftId}`);
    }
    await transact(['outbox', 'surveys'], 'readwrite', async (tx) => {
      await outbox.acknowledge(tx, entry.seq as number);
      const answer = await tx.get('surveys', entry.draftId);
      if (answer !== undefined) {
        await tx.put('surveys', { ...answer, state: 'sent', error: null, sentAt: new Date(this.now()).toISOString() });
      }
    });
  }

  /**
   * An on-site audit record (src/onsite/): PUT under its own id (201 stored, 200 the same
   * content was already stored), or the URL of its kind (`onsiteRequest`). Confirmed only when
   * the answer names the expected id (this id; for a reconciliation the pair's); then the entry
   * goes and the record is marked sent with the server's status and version, in one transaction.
   */
  private async sendOnsite(entry: OutboxEntry): Promise<void> {
    // A returned record corrected on the phone: the whole content as a new version, on the
    // version the team leader returned (If-Match), and submitted again.
    const correction = entry.ifMatch !== null && entry.ifMatch !== undefined;
    const body = entry.body as { content?: unknown; kind?: string; engagement_id?: string };
    const { url, json, expected } = onsiteRequest(entry.draftId, body, correction);
    const answer = await apiFetch<{ id?: string; status?: string; version?: number }>(correction ? 'PATCH' : 'PUT', url, {
      json,
      headers: { 'X-Device-Time': deviceTime() },
      ...(correction ? { ifMatch: entry.ifMatch as number } : {}),
    });
    const data = answer.data;
    if (data?.id !== expected) {
      throw new LocalProblem('ONSITE_NOT_CONFIRMED', `The server answered ${String(data?.id)}, not ${expected}`);
    }
    await transact(['outbox', 'onsite'], 'readwrite', async (tx) => {
      await outbox.acknowledge(tx, entry.seq as number);
      const stored = await tx.get('onsite', entry.draftId);
      if (stored !== undefined) {
        await tx.put('onsite', {
          ...stored,
          state: 'sent',
          error: null,
          returned: null,
          conflict: null,
          sentAt: new Date(this.now()).toISOString(),
          serverStatus: data.status ?? null,
          serverVersion: parseEtagVersion(answer.etag) ?? data.version ?? null,
        });
      }
    });
  }

  /** The server has the record: drop the entry and note its version, in one transaction. */
  private async acknowledge(entry: OutboxEntry, data: EvaluationReceipt, etag: string | null): Promise<void> {
    const version = parseEtagVersion(etag) ?? data.version;
    await transact(['outbox', 'drafts'], 'readwrite', async (tx) => {
      await outbox.acknowledge(tx, entry.seq as number);
      const draft = await tx.get('drafts', entry.draftId);
      if (draft === undefined) return;
      const rest = (await outbox.entriesOf(tx, entry.draftId)).length;
      const submitted = data.status !== 'draft' && data.status !== 'returned';
      await tx.put('drafts', {
        ...draft,
        serverVersion: version,
        serverStatus: data.status,
        contentHash: data.content?.content_hash ?? draft.contentHash ?? null,
        status: rest > 0 ? 'queued' : submitted ? 'synced' : draft.status === 'queued' ? 'draft' : draft.status,
        syncError: null,
      });
    });
  }

  private async handleFailure(entry: OutboxEntry, error: unknown): Promise<ReplayResult | null> {
    const err = toSyncError(error);
    let decision: Decision;
    if (error instanceof LocalProblem) decision = { action: 'blocked' };
    else if (err.code === 'STORAGE_QUOTA' || err.code === 'STORAGE_ERROR') decision = { action: 'retry' };
    else decision = decide(entry.kind, failureOf(error));

    switch (decision.action) {
      case 'retry':
      case 'auth':
        return this.stopAndBackOff(entry, err, decision.action, error);
      case 'blocked':
        await this.block(entry, err);
        return null;
      case 'adopt':
        return this.adopt(entry, decision.evaluationId, err);
      case 'upload-missing':
        return this.uploadMissing(entry, decision.evidenceIds, err);
      case 'refetch':
        return entry.kind === 'onsite' ? this.refetchOnsite(entry, err) : this.refetch(entry, err);
      case 'recheck-hash':
        return this.recheckHash(entry, err);
    }
  }

  private async stopAndBackOff(
    entry: OutboxEntry,
    err: SyncError,
    reason: 'retry' | 'auth',
    error: unknown,
  ): Promise<ReplayResult> {
    const retryAfter = error instanceof ApiError ? error.retryAfter : null;
    await transact(['outbox'], 'readwrite', (tx) => outbox.noteFailure(tx, entry.seq as number, err));
    await updateSyncMeta((m) => {
      const failures = m.failures + 1;
      return { ...m, failures, nextAttemptAt: this.now() + backoffDelay(failures, this.random(), retryAfter), lastError: err };
    });
    return { ran: true, sent: this.sent, stoppedBy: reason, error: err };
  }

  /** Keep the entry for a person; the draft (or survey answer) shows why. Other visits go on. */
  private async block(entry: OutboxEntry, err: SyncError): Promise<void> {
    await transact(['outbox', 'drafts', 'surveys', 'onsite'], 'readwrite', async (tx) => {
      await outbox.block(tx, entry.seq as number, err);
      if (entry.kind === 'onsite') {
        const stored = await tx.get('onsite', entry.draftId);
        if (stored !== undefined) await tx.put('onsite', { ...stored, state: 'blocked', error: err });
        return;
      }
      if (entry.kind === 'survey') {
        const answer = await tx.get('surveys', entry.draftId);
        if (answer !== undefined) await tx.put('surveys', { ...answer, state: 'blocked', error: err });
        return;
      }
      const draft = await tx.get('drafts', entry.draftId);
      if (draft !== undefined) await tx.put('drafts', { ...draft, syncError: err });
    });
  }

  /**
   * 409 CONFLICT on create: the server recorded this assignment under `evaluationId` (the phone
   * lost that record: storage cleared, a reinstall). Adopt that id: the draft, its photos and
   * its entries move to it, the create becomes an edit of the server's record, and the old id
   * is kept as an alias so the UI's links still find the visit.
   */
  private async adopt(entry: OutboxEntry, evaluationId: string, err: SyncError): Promise<ReplayResult | null> {
    const oldId = entry.draftId;
    const adopted = await transact(['drafts', 'photos', 'outbox', 'meta'], 'readwrite', async (tx) => {
      const draft = await tx.get('drafts', oldId);
      if (draft === undefined || (await tx.get('drafts', evaluationId)) !== undefined) return false;
      await moveDraft(tx, draft, evaluationId);
      await outbox.moveEntries(tx, oldId, evaluationId, (moved) => {
        if (moved.seq !== entry.seq || moved.kind !== 'create') return moved;
        const create = moved.body as EvaluationCreateBody;
        return {
          ...moved,
          kind: 'edit',
          // The create's snapshot, not the live draft: the queued content is what is sent.
          body: editBody({ ...draft, ...snapshotToContent(create) }, create.submit),
          ifMatch: null,
          lastError: null,
        };
      });
      return true;
    });
    if (!adopted) {
      await this.block(entry, err);
    }
    return null;
  }

  /**
   * 422 with `missing_evidence`: upload those photos (they are on the phone), then replay the
   * create. The visit's entries move behind the new uploads, keeping their order.
   */
  private async uploadMissing(entry: OutboxEntry, ids: string[], err: SyncError): Promise<ReplayResult | null> {
    if (this.reuploaded.has(entry.draftId)) {
      // The server still misses them right after confirming them: not something a retry fixes.
      await this.block(entry, err);
      return null;
    }
    this.reuploaded.add(entry.draftId);
    const ok = await transact(['photos', 'outbox'], 'readwrite', async (tx) => {
      for (const id of ids) {
        const photo = await tx.get('photos', id);
        if (photo === undefined) return false;
        if (photo.meta.confirmed) await tx.put('photos', { ...photo, meta: { ...photo.meta, confirmed: false } });
      }
      await outbox.queueUploadsFirst(tx, entry.draftId, ids, entry.userId ?? null, new Date(this.now()).toISOString());
      return true;
    });
    if (!ok) {
      await this.block(entry, { ...err, code: 'MISSING_EVIDENCE', message: 'The server misses a photo this phone no longer has' });
    }
    return null;
  }

  /**
   * 412 on an edit: someone (this user on another phone) changed the record. GET it and re-apply
   * this edit on top, field by field (docs/sync.md): the fields changed here are sent, the
   * server's other changes stay. When both changed the same field, or the record moved on
   * (submitted, accepted ...), keep the edit for a person. Without a base (an adopted record),
   * the fields sent here win: the evaluator is the only writer of the content.
   */
  private async refetch(entry: OutboxEntry, err: SyncError): Promise<ReplayResult | null> {
    const seq = entry.seq as number;
    if (this.repinned.has(seq)) return this.stopAndBackOff(entry, err, 'retry', null);
    this.repinned.add(seq);
    let current: { data: EvaluationAnswer; etag: string | null };
    try {
      current = await apiFetch<EvaluationAnswer>('GET', `/api/evaluations/${entry.draftId}`);
    } catch (error) {
      return this.handleFailure(entry, error);
    }
    const status = current.data.status;
    if (status !== 'draft' && status !== 'returned') {
      await this.block(entry, { ...err, details: { ...asRecord(err.details), server_status: status } });
      return null;
    }
    const body = asRecord(entry.body);
    let nextBody: Record<string, unknown> = body;
    if (entry.base) {
      const { patch, conflicts } = rebase(body, entry.base, asRecord(current.data.content));
      if (conflicts.length > 0) {
        await this.block(entry, {
          code: 'EDIT_CONFLICT',
          message: 'This visit was changed elsewhere in the same places',
          status: 412,
          details: { fields: conflicts },
        });
        return null;
      }
      nextBody = { ...patch, submit: body['submit'] ?? false };
    }
    const version = parseEtagVersion(current.etag) ?? current.data.version;
    const base = pick(asRecord(current.data.content), CONTENT_FIELDS);
    await transact(['outbox', 'drafts'], 'readwrite', async (tx) => {
      await outbox.revise(tx, seq, { ifMatch: version, base, body: nextBody, lastError: err });
      const draft = await tx.get('drafts', entry.draftId);
      if (draft !== undefined) await tx.put('drafts', { ...draft, serverVersion: version, serverStatus: status });
    });
    return null;
  }

  /**
   * 412 on the correction of a returned on-site record: the record changed on the server since
   * it was returned (corrected from another phone, resubmitted and returned again). The whole
   * content is one judgement of the auditor's, so nothing is merged: the server's record is read
   * and kept beside the correction, and the entry waits for the auditor (onsite/store.ts
   * `resolveConflict`: re-apply on the server's version, or take the server's).
   */
  private async refetchOnsite(entry: OutboxEntry, err: SyncError): Promise<ReplayResult | null> {
    let current: { data: { version?: number; status?: string; content?: Record<string, unknown>; history?: { to_status: string; comment: string | null }[] }; etag: string | null };
    try {
      current = await apiFetch('GET', `/api/onsite-records/${entry.draftId}`);
    } catch (error) {
      return this.handleFailure(entry, error);
    }
    const data = current.data;
    const copy: OnsiteServerCopy = {
      version: parseEtagVersion(current.etag) ?? data.version ?? 0,
      status: data.status ?? '',
      content: data.content ?? {},
      comment: [...(data.history ?? [])].reverse().find((e) => e.to_status === 'returned')?.comment ?? null,
    };
    const stale: SyncError = {
      code: 'ONSITE_CHANGED_ON_SERVER',
      message: 'This record changed on the server since it was returned',
      status: 412,
      details: { ...asRecord(err.details), current_version: copy.version, server_status: copy.status },
    };
    await transact(['outbox', 'onsite'], 'readwrite', async (tx) => {
      await outbox.block(tx, entry.seq as number, stale);
      const stored = await tx.get('onsite', entry.draftId);
      if (stored !== undefined) await tx.put('onsite', { ...stored, state: 'blocked', error: stale, conflict: copy });
    });
    return null;
  }

  /** 422 EVIDENCE_HASH_MISMATCH: damaged in transit (retry) or on the phone (a person). */
  private async recheckHash(entry: OutboxEntry, err: SyncError): Promise<ReplayResult | null> {
    const photo = await transact(['photos'], 'readonly', (tx) => tx.get('photos', entry.photoId ?? ''));
    if (photo !== undefined && (await sha256Hex(photo.blob)) === photo.meta.sha256) {
      return this.stopAndBackOff(entry, err, 'retry', null);
    }
    await this.block(entry, { ...err, code: 'LOCAL_PHOTO_DAMAGED', message: 'The photo stored on this phone is damaged' });
    return null;
  }
}

/**
 * Where an on-site entry goes, what it sends, and the id the answer must name to confirm it:
 *
 * - `document_review` (CQC §5.1.4) has its own resource: one review per id, never edited.
 * - `rater_pair` (seed 003): the team leader's pairing under the phone's id; the server answers
 *   the pair (201, or 200 for the same pairing again).
 * - `reconciliation`: the pair's agreed ratings, PUT on the pair; the server answers the PAIR,
 *   so the answer names the pair id carried in the content, not the entry's own id. The same
 *   reconciliation sent again answers the stored one (backend/onsite/pairs.py `reconcile`).
 * - the others: PUT /api/onsite-records/<id> (a correction: PATCH with the content, submitted).
 */
export function onsiteRequest(draftId: string, body: { content?: unknown; kind?: string; engagement_id?: string }, correction: boolean): { url: string; json: unknown; expected: string } {
  const content = asRecord(body.content);
  switch (body.kind) {
    case 'document_review':
      return { url: `/api/engagements/${String(body.engagement_id)}/document-reviews/${draftId}`, json: body.content, expected: draftId };
    case 'rater_pair':
      return { url: `/api/rater-pairs/${draftId}`, json: body.content, expected: draftId };
    case 'reconciliation': {
      const pairId = String(content['pair_id']);
      return { url: `/api/rater-pairs/${pairId}/reconciliation`, json: { items: content['items'], notes: content['notes'] ?? '' }, expected: pairId };
    }
    default:
      return { url: `/api/onsite-records/${draftId}`, json: correction ? { content: body.content, submit: true } : body, expected: draftId };
  }
}

/** A problem found on the phone, not by the server: the entry needs a person. */
class LocalProblem extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'LocalProblem';
  }
}

/**
 * `X-Device-Time`: the phone's clock when it SENDS the request (docs/sync.md "The device's
 * clock"), fresh on every attempt; against the server's receipt time it measures the clock's
 * error, ahead or behind, however long the entry waited. Not part of the record's content.
 */
function deviceTime(): string {
  return isoWithOffset(new Date());
}

function pick(record: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) if (f in record) out[f] = record[f];
  return out;
}

function asRecord(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
}

function snapshotToContent(body: EvaluationCreateBody): Partial<VisitDraft> {
  return {
    ratings: body.ratings,
    notes: body.notes,
    itemNotes: body.item_notes,
    startedAt: body.started_at,
    endedAt: body.ended_at,
    gpsFixes: body.gps_fixes,
    photos: body.evidence.map((e) => ({ photoId: e.evidence_id, item: e.item })),
  };
}

/** Re-key a draft (and its photos) to `newId`, leaving an alias from the old id. */
async function moveDraft(tx: Tx, draft: VisitDraft, newId: string): Promise<void> {
  await tx.put('drafts', { ...draft, id: newId, serverVersion: null });
  await tx.delete('drafts', draft.id);
  await tx.setMeta(`alias:${draft.id}`, newId);
  for (const photo of await tx.byIndex('photos', 'evaluationId', draft.id)) {
    await tx.put('photos', { ...photo, evaluationId: newId, meta: { ...photo.meta, evaluationId: newId } });
  }
}
