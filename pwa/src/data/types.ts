/**
 * The records the data layer keeps in IndexedDB (data/db.ts owns the stores). Plain data only:
 * everything here must survive the structured clone into IndexedDB, in the window and in the
 * service worker alike.
 */
import type { EntryKind } from '../shared/outcome';
import type { DraftContent, GeoFix, Rating, SurveyContent } from '../shared/wire';

export type { GeoFix, Rating };

/**
 * A visit recorded on the phone; its id becomes the evaluation id on the server. Its content
 * fields are shared/wire.ts DraftContent (what the request bodies are made from).
 */
export interface VisitDraft extends DraftContent {
  id: string;
  /**
   * draft: being recorded or corrected; queued: in the outbox; synced: the server confirmed the
   * last submission; returned: an auditor sent it back (see returnComment) and it can be edited;
   * superseded: the server records its assignment by another visit (another phone's, which
   * counts) and the user kept this one as a copy on the phone: never sent (syncError says why).
   */
  status: 'draft' | 'queued' | 'synced' | 'returned' | 'superseded';
  /** The ETag version the server last returned (null until the server has it). */
  serverVersion: number | null;
  /** The auditor's comment when returned. */
  returnComment: string | null;
  updatedAt: string;
  /** The server's status for this evaluation when last seen (submitted, accepted, ...). */
  serverStatus?: string | null;
  /** `content.content_hash` of the last acknowledged answer (docs/sync.md "Reconcile"). */
  contentHash?: string | null;
  /**
   * Why this visit's outbox entries stopped and need a person (a validation error, a conflict,
   * an evaluation no longer editable); null when nothing is wrong.
   */
  syncError?: SyncError | null;
  /**
   * The server's content at `serverVersion` as last read (a returned visit): the base a 412 is
   * merged from, field by field.
   */
  baseContent?: Record<string, unknown> | null;
}

/** An error as the UI shows it: the server's code (or one of ours), message and details. */
export interface SyncError {
  code: string;
  message: string;
  status?: number;
  details?: unknown;
}

/** A photo as captured and kept on the phone (the blob lives beside it in the same record). */
export interface PhotoRecord {
  /** UUID made at capture: the evidence id on the server and its idempotency key. */
  id: string;
  evaluationId: string;
  item: string | null;
  /** SHA-256 of the stored bytes, lower-case hex (WebCrypto). */
  sha256: string;
  /** Bytes stored (and uploaded). */
  size: number;
  /** Bytes of the file the camera gave. */
  originalSize: number;
  width: number;
  height: number;
  mediaType: 'image/jpeg';
  /** The device clock at capture, ISO 8601 with offset. */
  capturedAt: string;
  fix: GeoFix | null;
  /** The server answered this id with this SHA-256. */
  confirmed: boolean;
  /** The camera file's name, sent as X-Original-Filename. */
  fileName?: string | null;
}

export interface StoredPhoto {
  id: string;
  evaluationId: string;
  meta: PhotoRecord;
  blob: Blob;
}

/** One request waiting to be sent, in order (`seq`). */
export interface OutboxEntry {
  /** Assigned by IndexedDB (autoIncrement): the replay order. */
  seq?: number;
  kind: EntryKind;
  /**
   * The visit the entry belongs to (for evidence: the photo's evaluation; for survey: the
   * face-to-face answer's id, which is also the response id on the server).
   */
  draftId: string;
  /** evidence: the photo to upload. */
  photoId?: string;
  /** create/edit/survey: the JSON body, snapshotted when queued (persist first, then send). */
  body?: unknown;
  /**
   * edit: the version the edit is based on, pinned before the first attempt so a replay sends
   * the same If-Match (the server recognises its own edit, docs/sync.md "Replayed edits").
   */
  ifMatch?: number | null;
  /** edit: the server content the edit was made on (for a field-by-field re-apply after 412). */
  base?: Record<string, unknown> | null;
  createdAt: string;
  attempts: number;
  lastAttemptAt: string | null;
  lastError: SyncError | null;
  /**
   * Who queued it (GET /api/auth/me's id when known): sent only while that user is signed in on
   * this phone, so a shared phone never sends one person's visit as another's.
   */
  userId?: string | null;
  /** blocked: needs a person (shown, kept, not retried until the visit is queued again). */
  state: 'pending' | 'blocked';
}

/** Replay bookkeeping shared by the window and the service worker (meta store, key 'sync'). */
export interface SyncMeta {
  /** Failed runs in a row (back-off exponent); 0 after a success. */
  failures: number;
  /** Epoch ms before which timer/online replays wait (syncNow and Background Sync do not). */
  nextAttemptAt: number;
  lastSuccessAt: string | null;
  lastError: SyncError | null;
}

/** The single-flight lease (meta store, key 'lease'). */
export interface Lease {
  owner: string;
  expiresAt: number;
}

/**
 * A face-to-face customer-survey answer (mode E, issue 5) taken by an auditor: kept on the phone
 * (store 'surveys') from the moment it is saved, and sent by the outbox as
 * `PUT /api/survey-responses/<id>` (docs/surveys.md "Face-to-face answers").
 */
export interface SurveyAnswer extends SurveyContent {
  /** crypto.randomUUID() on the phone: the response id on the server and its idempotency key. */
  id: string;
}

/** A SurveyAnswer as stored, with its sync state. */
export interface StoredSurveyAnswer extends SurveyAnswer {
  /** queued: in the outbox; sent: the server confirmed it (201/200); blocked: refused, see error. */
  state: 'queued' | 'sent' | 'blocked';
  error: SyncError | null;
  savedAt: string;
  sentAt: string | null;
}

/**
 * An on-site audit record as the phone keeps it (src/onsite/): a management audit or a
 * conformity audit with timing rows, under the id the phone made (PUT /api/onsite-records/<id>).
 */
export interface StoredOnsiteRecord {
  id: string;
  engagementId: string;
  /**
   * pair_rating: one rater's sealed ratings in a two-rater pair (seed 003); document_review: the
   * conclusion of the document review (CQC §5.1.4), sent as PUT
   * /api/engagements/<engagement>/document-reviews/<id> (content: outcome, findings, requested);
   * rater_pair: the team leader's pairing, PUT /api/rater-pairs/<id> (content: the pairing);
   * reconciliation: a pair's agreed ratings, PUT /api/rater-pairs/<content.pair_id>/reconciliation
   * (content: pair_id, items, notes). The last two are actions, not records of the auditor's:
   * they live only in the pair screens (onsite/pairs.ts).
   */
  kind: 'management' | 'conformity' | 'pair_rating' | 'document_review' | 'rater_pair' | 'reconciliation';
  /** The content exactly as sent (backend/onsite/content.py). */
  content: Record<string, unknown>;
  /** draft: on this phone only; queued: in the outbox; sent: the server confirmed it; blocked. */
  state: 'draft' | 'queued' | 'sent' | 'blocked';
  error: SyncError | null;
  savedAt: string;
  sentAt: string | null;
  serverStatus: string | null;
  serverVersion: number | null;
  /**
   * The team leader returned it (pulled back from the server, onsite/store.ts): the version to
   * correct (If-Match of the PATCH the outbox sends) and what to correct. Absent otherwise.
   */
  returned?: { version: number; comment: string | null } | null;
  /**
   * The correction of a returned record got 412: the record changed on the server meanwhile
   * (corrected from another phone, returned again). The server's record as read then, shown
   * beside the phone's correction until the auditor re-applies it on this version or takes the
   * server's (onsite/store.ts `resolveConflict`). Absent otherwise.
   */
  conflict?: OnsiteServerCopy | null;
}

/** An on-site record as the server answered GET /api/onsite-records/<id> (what a 412 shows). */
export interface OnsiteServerCopy {
  version: number;
  status: string;
  content: Record<string, unknown>;
  /** The team leader's last comment when the server's record is returned. */
  comment: string | null;
}
