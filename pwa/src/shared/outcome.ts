/**
 * What the outbox does with each answer, decided from the HTTP status and the error `code`
 * (never from the message): docs/sync.md "Create", "Edits", "Other answers" and docs/evidence.md
 * "Answers and what the outbox does with each". Pure, so both contexts and the tests agree.
 */

export type EntryKind = 'evidence' | 'create' | 'edit' | 'survey';

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
  /** 409 CONFLICT on create: the assignment was recorded under this other evaluation id. */
  | { action: 'adopt'; evaluationId: string }
  /** 422 with `missing_evidence`: upload these first, then replay the create. */
  | { action: 'upload-missing'; evidenceIds: string[] }
  /** 412 on an edit: fetch the current version and re-apply the edit on top. */
  | { action: 'refetch' }
  /** 422 EVIDENCE_HASH_MISMATCH: re-read the stored file and check its hash before retrying. */
  | { action: 'recheck-hash' }
  /** Needs a person: keep the entry (nothing is deleted unconfirmed), stop this visit, show it. */
  | { action: 'blocked' };

/** Codes that mean "this session or device is not (or no longer) allowed in". */
const AUTH_CODES = new Set(['AUTH_REQUIRED', 'DEVICE_REVOKED']);

/** Server-side trouble that goes away by itself. */
const TRANSIENT_CODES = new Set([
  'TOO_MANY_REQUESTS',
  'INTERNAL_ERROR',
  'SERVICE_UNAVAILABLE',
  'DATABASE_UNAVAILABLE',
]);

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
  // An upload cut off half way (docs/evidence.md: "Retry later, same id").
  if (status === 400 && code === 'BAD_REQUEST' && details['reason'] === 'incomplete_body') {
    return { action: 'retry' };
  }
  if (kind === 'evidence' && code === 'EVIDENCE_HASH_MISMATCH') return { action: 'recheck-hash' };
  if (kind === 'create' && status === 409 && code === 'CONFLICT') {
    const id = details['evaluation_id'];
    if (typeof id === 'string' && id !== '') return { action: 'adopt', evaluationId: id };
  }
  if (kind !== 'evidence' && status === 422 && Array.isArray(details['missing_evidence'])) {
    const ids = (details['missing_evidence'] as unknown[]).filter(
      (v): v is string => typeof v === 'string',
    );
    if (ids.length > 0) return { action: 'upload-missing', evidenceIds: ids };
  }
  if (kind === 'edit' && (status === 412 || code === 'PRECONDITION_FAILED')) {
    return { action: 'refetch' };
  }
  // IDEMPOTENCY_CONFLICT, VALIDATION_ERROR, FORBIDDEN, CONFLICT_OF_INTEREST, NOT_FOUND,
  // INVALID_TRANSITION, PAYLOAD_TOO_LARGE, UNSUPPORTED_FILE_TYPE, INVALID_IMAGE,
  // IMAGE_TOO_LARGE, PRECONDITION_REQUIRED (a bug): sending it again unchanged cannot help.
  return { action: 'blocked' };
}
