/**
 * The outbox store: the ONLY code that adds, acknowledges, blocks, unblocks, re-pins, moves and
 * removes outbox entries. It is Workbox background-sync's split (`Queue` → `QueueStore` →
 * `QueueDb`): data/replay.ts is the queue that sends, this module is its store, data/db.ts owns
 * the schema. `Tx.put` and `Tx.delete` do not accept the outbox store, so nothing else can write
 * it by accident.
 *
 * Every writing function works inside the CALLER's transaction (`Tx`, which must include the
 * 'outbox' store, and 'meta' for `enqueue`): an entry always changes together with the record it
 * is about (a visit queued with its draft's new status, an answer acknowledged with the draft's
 * server version, a survey answer marked sent), so the two are committed or lost together.
 * After the transaction has committed, call `enqueued()` to have the new entries sent. Worker-safe.
 */
import type { EntryKind } from '../shared/outcome';
import { req, transact, type Tx } from './db';
import { announceChange } from './events';
import type { OutboxEntry, SyncError } from './types';

const STORE = 'outbox';

/** What a caller says about a new entry; the store fills in the bookkeeping. */
export type NewEntry = Pick<OutboxEntry, 'kind' | 'draftId'> &
  Partial<Pick<OutboxEntry, 'photoId' | 'body' | 'ifMatch' | 'base' | 'userId'>>;

/** A new entry, `pending`, never attempted. */
function fresh(partial: NewEntry, now: string): OutboxEntry {
  return { createdAt: now, attempts: 0, lastAttemptAt: null, lastError: null, state: 'pending', ...partial };
}

function write(tx: Tx, entry: OutboxEntry): Promise<IDBValidKey> {
  return req(tx.store(STORE).put(entry));
}

function seqOf(entry: OutboxEntry): number {
  if (entry.seq === undefined) throw new Error('An outbox entry read from the store has no seq');
  return entry.seq;
}

/** The signed-in user's id from the cached GET /api/auth/me, or null when unknown. */
export function userIdOf(me: unknown): string | null {
  const id = typeof me === 'object' && me !== null ? (me as { id?: unknown }).id : undefined;
  return typeof id === 'string' && id !== '' ? id : null;
}

// ---------------------------------------------------------------------------------- reads

/** Every entry, in replay order (`seq`). */
export function allEntries(tx: Tx): Promise<OutboxEntry[]> {
  return tx.getAll(STORE);
}

/** The entries of one visit (or survey answer), in replay order. */
export async function entriesOf(tx: Tx, draftId: string): Promise<OutboxEntry[]> {
  const found = await tx.byIndex(STORE, 'draftId', draftId);
  return found.sort((a, b) => seqOf(a) - seqOf(b));
}

export function getEntry(tx: Tx, seq: number): Promise<OutboxEntry | undefined> {
  return tx.get(STORE, seq);
}

/** The outbox in replay order, in a transaction of its own (the UI's detail view and the tests). */
export function listOutbox(): Promise<OutboxEntry[]> {
  return transact([STORE], 'readonly', allEntries);
}

/**
 * What waits to be sent: records (evaluation creates and edits, face-to-face survey answers)
 * and photos, and how many of all those need a person.
 */
export async function pendingCounts(): Promise<{ records: number; photos: number; blocked: number }> {
  const all = await listOutbox();
  let records = 0;
  let photos = 0;
  let blocked = 0;
  for (const e of all) {
    if (e.kind === 'evidence') photos += 1;
    else records += 1;
    if (e.state === 'blocked') blocked += 1;
  }
  return { records, photos, blocked };
}

// ---------------------------------------------------------------------------------- writes

/**
 * Add an entry at the end of the outbox (persist first, then send), recorded as queued by the
 * signed-in user (GET /api/auth/me as cached): it is sent only while that user is signed in on
 * this phone. Needs 'outbox' and 'meta' in the transaction. Resolves with its `seq`.
 */
export async function enqueue(tx: Tx, partial: NewEntry): Promise<number> {
  const userId = partial.userId !== undefined ? partial.userId : userIdOf(await tx.meta('me'));
  return Number(await write(tx, fresh({ ...partial, userId }, new Date().toISOString())));
}

/**
 * Count an attempt before sending the entry, and pin the edit's If-Match to `ifMatch` when it
 * has none yet, so that whatever happens next a replay sends the very same request. null when
 * the entry is gone or not pending any more (changed under the sender: look again).
 */
export async function beginAttempt(tx: Tx, seq: number, at: string, ifMatch: number | null): Promise<OutboxEntry | null> {
  const current = await getEntry(tx, seq);
  if (current === undefined || current.state !== 'pending') return null;
  const next: OutboxEntry = { ...current, attempts: current.attempts + 1, lastAttemptAt: at };
  if (next.kind === 'edit' && (next.ifMatch === null || next.ifMatch === undefined)) next.ifMatch = ifMatch;
  await write(tx, next);
  return next;
}

/** The server confirmed the entry: it leaves the outbox (in the transaction that records why). */
export async function acknowledge(tx: Tx, seq: number): Promise<void> {
  await req(tx.store(STORE).delete(seq));
}

/** A failure time cures (no network, 5xx): keep the entry as it is, note the error. */
export async function noteFailure(tx: Tx, seq: number, error: SyncError): Promise<void> {
  const stored = await getEntry(tx, seq);
  if (stored !== undefined) await write(tx, { ...stored, lastError: error });
}

/** The entry needs a person: kept, not sent again until it is unblocked. */
export async function block(tx: Tx, seq: number, error: SyncError): Promise<void> {
  const stored = await getEntry(tx, seq);
  if (stored !== undefined) await write(tx, { ...stored, state: 'blocked', lastError: error });
}

/** Send a blocked entry again, unchanged (`resetAttempts`: count its attempts from zero). */
export async function unblock(tx: Tx, entry: OutboxEntry, options: { resetAttempts?: boolean } = {}): Promise<void> {
  await write(tx, {
    ...entry,
    state: 'pending',
    lastError: null,
    ...(options.resetAttempts ? { attempts: 0 } : {}),
  });
}

/**
 * Change what an entry will send: the If-Match it is based on, the server content that was its
 * base, the body (a 412 re-applied on top of the current version), the last error.
 */
export async function revise(
  tx: Tx,
  seq: number,
  change: Partial<Pick<OutboxEntry, 'ifMatch' | 'base' | 'body' | 'lastError'>>,
): Promise<void> {
  const stored = await getEntry(tx, seq);
  if (stored !== undefined) await write(tx, { ...stored, ...change });
}

/**
 * Take an entry out without the server confirming it: one the user gave up (a refused answer
 * discarded, a refused photo deleted) or one whose content is replaced by a corrected entry.
 * Never for a pending entry the user did not give up: the caller checks.
 */
export async function remove(tx: Tx, seq: number): Promise<void> {
  await req(tx.store(STORE).delete(seq));
}

/** Remove every entry of a visit or answer the user gave up; resolves with how many went. */
export async function removeAllOf(tx: Tx, draftId: string): Promise<number> {
  const entries = await entriesOf(tx, draftId);
  for (const e of entries) await remove(tx, seqOf(e));
  return entries.length;
}

/**
 * Move a visit's entries to another id (409 ASSIGNMENT_ALREADY_RECORDED: the server's id is
 * adopted), keeping their order; `change` may rewrite each one (the create becomes an edit).
 */
export async function moveEntries(
  tx: Tx,
  fromDraftId: string,
  toDraftId: string,
  change: (entry: OutboxEntry) => OutboxEntry = (e) => e,
): Promise<void> {
  for (const e of await entriesOf(tx, fromDraftId)) await write(tx, change({ ...e, draftId: toDraftId }));
}

/**
 * Put uploads of `photoIds` in front of a visit's entries (422 MISSING_EVIDENCE: the server
 * misses photos the create cites): the visit's entries move to the end of the outbox, behind the
 * new uploads, keeping their own order. Photos that already have an upload queued are not added
 * twice. The new entries are queued by the same user as the visit's.
 */
export async function queueUploadsFirst(tx: Tx, draftId: string, photoIds: readonly string[], userId: string | null, now: string): Promise<void> {
  const entries = await entriesOf(tx, draftId);
  const queuedUploads = new Set(entries.filter((e) => e.kind === 'evidence').map((e) => e.photoId));
  for (const e of entries) await remove(tx, seqOf(e));
  for (const photoId of photoIds) {
    if (queuedUploads.has(photoId)) continue;
    await write(tx, fresh({ kind: 'evidence', draftId, photoId, userId }, now));
  }
  for (const e of entries) {
    const { seq: _old, ...rest } = e;
    void _old;
    await write(tx, rest);
  }
}

// ---------------------------------------------------------------------------------- after commit

/** Hooks run after something was queued (data/sync.ts asks for a replay / Background Sync). */
const enqueuedHooks = new Set<() => void>();

export function onEnqueued(hook: () => void): () => void {
  enqueuedHooks.add(hook);
  return () => enqueuedHooks.delete(hook);
}

/**
 * Call once the transaction that queued entries has COMMITTED: tells every context that the
 * outbox grew and runs the hooks (replay, Background Sync).
 */
export function enqueued(): void {
  announceChange('enqueued');
  for (const hook of [...enqueuedHooks]) hook();
}

/** The kinds of entry the outbox holds (the replay decides each kind's answers: shared/outcome.ts). */
export type { EntryKind };
