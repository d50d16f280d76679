/**
 * What the outbox does with each answer, decided from the HTTP status and the error `code`
 * (never from the message, and never from `details` of a generic code: each case the outbox
 * treats specially has its own code; `details` only carries that code's data, such as the ids
 * to upload): docs/sync.md "Create", "Edits", "Other answers" and docs/evidence.md "Answers and
 * what the outbox does with each". Pure, so both contexts and the tests agree.
 */

export type EntryKind = 'evidence' | 'create' | 'edit' | 'survey' | 'onsite';

/** A failed request, reduced to data. `status` 0 means no answer at all (network, timeout). */
export interface Failure {
  status: number;
  code: string;
  details: unknown;
}

export type Decision =
  /** Try the same request again later (back-off); stop the queue now to keep the order. */
  | { action: 'retry' }
  /** The user must sign in or pair again; keep everything and stop the queue. */
  | { action: 'auth' }
  /**
   * 409 ASSIGNMENT_ALREADY_RECORDED on create, the server's record still editable (draft,
   * returned): this phone lost its record; carry on under the server's id.
   */
  | { action: 'adopt'; evaluationId: string }
  /** 422 MISSING_EVIDENCE: upload these first, then replay the create. */
  | { action: 'upload-missing'; evidenceIds: string[] }
  /** 412 on an edit: fetch the current version and re-apply the edit on top (visits), or show it
   * beside the phone's correction for the auditor to decide (on-site records). */
  | { action: 'refetch' }
  /** 422 EVIDENCE_HASH_MISMATCH: re-read the stored file and check its hash before retrying. */
  | { action: 'recheck-hash' }
  /** Needs a person: keep the entry (nothing is deleted unconfirmed), stop this visit, show it. */
  | { action: 'blocked' };

/** Codes that mean "this session or device is not (or no longer) allowed in". */
const AUTH_CODES = new Set(['AUTH_REQUIRED', 'DEVICE_REVOKED']);

/** Trouble that goes away by itself: the server busy or down, an upload cut off half way. */
export const TRANSIENT_CODES: ReadonlySet<string> = new Set([
  'TOO_MANY_REQUESTS',
  'INTERNAL_ERROR',
  'SERVICE_UNAVAILABLE',
  'DATABASE_UNAVAILABLE',
  // docs/evidence.md: "Retry later, same id".
  'INCOMPLETE_BODY',
]);

/** Statuses in which the evaluator may still change an evaluation (docs/sync.md "Edits"). */
export const EDITABLE_STATUSES: ReadonlySet<string> = new Set(['draft', 'returned']);

function detailsRecord(details: unknown): Record<string, unknown> {
  return typeof details === 'object' && details !== null ? (details as Record<string, unknown>) : {};
}

export function decide(kind: EntryKind, failure: Failure): Decision {
  const { status, code } = failure;
  const details = detailsRecord(failure.details);
  // No answer, a proxy's HTML error page, the server busy or restarting: every request is safe
  // to repeat (docs/sync.md), so wait and send the same thing again.
  if (status === 0 || status >= 500 || status === 429 || TRANSIENT_CODES.has(code)) {
    return { action: 'retry' };
  }
  if (status === 401 || AUTH_CODES.has(code)) return { action: 'auth' };
  // CSRF_FAILED reaching here means apiFetch's one refetch of the token did not help (the
  // session ended): a sign-in fixes it.
  if (code === 'CSRF_FAILED') return { action: 'auth' };
  if (kind === 'evidence' && code === 'EVIDENCE_HASH_MISMATCH') return { action: 'recheck-hash' };
  if (kind === 'create' && code === 'ASSIGNMENT_ALREADY_RECORDED') {
    // Its data: which evaluation records the assignment, and where it stands. Submitted (or
    // reviewed) from another phone: that visit counts, and this one needs a person (blocked).
    const id = details['evaluation_id'];
    if (typeof id === 'string' && id !== '' && EDITABLE_STATUSES.has(String(details['evaluation_status']))) {
      return { action: 'adopt', evaluationId: id };
    }
  }
  if (kind !== 'evidence' && code === 'MISSING_EVIDENCE') {
    const listed: unknown = details['missing_evidence'];
    const ids = (Array.isArray(listed) ? (listed as unknown[]) : []).filter((v): v is string => typeof v === 'string');
    if (ids.length > 0) return { action: 'upload-missing', evidenceIds: ids };
  }
  // An on-site correction (PATCH If-Match the returned version) meets 412 the same way: the
  // record changed on the server; the phone reads it and lets the auditor decide (replay.ts).
  if ((kind === 'edit' || kind === 'onsite') && (status === 412 || code === 'PRECONDITION_FAILED')) {
    return { action: 'refetch' };
  }
  // ASSIGNMENT_ALREADY_RECORDED (another phone's visit counts), IDEMPOTENCY_CONFLICT,
  // VALIDATION_ERROR, FORBIDDEN, CONFLICT_OF_INTEREST, NOT_FOUND,
  // INVALID_TRANSITION, PAYLOAD_TOO_LARGE, UNSUPPORTED_FILE_TYPE, INVALID_IMAGE,
  // IMAGE_TOO_LARGE, PRECONDITION_REQUIRED (a bug): sending it again unchanged cannot help.
  return { action: 'blocked' };
}
