/**
 * The shapes the phone sends and reads, and the small conversions between the app's records and
 * the server's JSON (docs/sync.md). Pure: no fetch, no IndexedDB, no DOM.
 */

/** One reading of the Geolocation API, as the server takes it (`GpsFixSchema`). */
export interface GeoFix {
  latitude: number;
  longitude: number;
  accuracy_m: number;
  /** ISO 8601 with the device's offset, e.g. `2026-12-03T10:01:00.000+08:00`. */
  captured_at: string;
}

/**
 * A Likert level as the schemes' documents number them: 1 远低于预期 (far below expectations)
 * … 5 远高于预期 (far above). Every screen lists them in this order, 1 first.
 */
export type Level = 1 | 2 | 3 | 4 | 5;

/** The levels in the documents' order (the one order every screen shows them in). */
export const LEVELS: readonly Level[] = [1, 2, 3, 4, 5];

/** A rating as the phone sends it: a level, an exact α, or not applicable with a reason. */
export type Rating = { level?: Level; alpha?: number; na?: true; reason?: string };

/**
 * A rating as the server answers it: α is a JSON number (issue 9, C8); a server before that
 * answered text ("0.75"), which `ratingsFromServer` (data/returned.ts) still turns into a number.
 */
export type StoredRating = { level?: number; alpha?: number; na?: boolean; reason?: string };

/** The content of an evaluation as `PUT`/`PATCH /api/evaluations/<id>` take it. */
export interface EvaluationContent {
  ratings: Record<string, Rating>;
  notes: string;
  item_notes: Record<string, string>;
  started_at: string | null;
  ended_at: string | null;
  gps_fixes: GeoFix[];
  evidence: { evidence_id: string; item: string | null }[];
}

export interface EvaluationCreateBody extends EvaluationContent {
  engagement_id: string;
  site_id: string;
  assignment_id: string | null;
  mode: string;
  submit: boolean;
}

export interface EvaluationEditBody extends EvaluationContent {
  submit: boolean;
}

/** A person as answers name them (the evaluator). */
export interface PersonRef {
  id: string;
  display_name: string;
}

/**
 * The review actions the server allows the asking user on an evaluation now
 * (backend/evaluations/actions.py), and why there are none: `own_evaluation`,
 * `independent_reviewer`, `not_on_the_audit_team`, `role`, `status`. The app offers exactly these.
 */
export interface ReviewActions {
  actions: ('accept' | 'return' | 'reject' | 'exclude')[];
  reason: string | null;
}

/** One row of the review queue (`GET /api/engagements/<id>/evaluations`). */
export interface EvaluationSummary {
  id: string;
  site_id: string;
  assignment_id: string | null;
  mode: string;
  status: string;
  version: number;
  evaluator: PersonRef;
  created_at: string;
  updated_at: string;
  submitted_at: string | null;
  /** Absent from servers older than issue 9. */
  review?: ReviewActions;
}

/**
 * An evaluation as `GET`/`PUT`/`PATCH /api/evaluations/<id>` and the review answer it
 * (backend/evaluations/schemas.py EvaluationSchema).
 */
export interface EvaluationAnswer extends EvaluationSummary {
  engagement_id: string;
  status_reason: string | null;
  /** The current version's content, as sent, with α as the server keeps it. */
  content: Omit<EvaluationContent, 'ratings'> & {
    number: number;
    content_hash?: string;
    ratings: Record<string, StoredRating>;
  };
  events: { actor_id: string; from_status: string | null; to_status: string; version: number; comment: string | null; at: string }[];
}

/**
 * `PUT /api/evaluations/<id>` with `Prefer: return=minimal`: what the outbox keeps of the answer
 * (backend/evaluations/views.py EvaluationReceipt). A full answer has these fields too.
 */
export interface EvaluationReceipt {
  id: string;
  status: string;
  version: number;
  content?: { number: number; content_hash?: string };
}

/** A visit's content on the phone: what the request bodies are made from (data/types.ts VisitDraft extends it). */
export interface DraftContent {
  engagementId: string;
  siteId: string;
  assignmentId: string | null;
  mode: string;
  ratings: Record<string, Rating>;
  notes: string;
  itemNotes: Record<string, string>;
  startedAt: string | null;
  endedAt: string | null;
  gpsFixes: GeoFix[];
  photos: { photoId: string; item: string | null }[];
}

function content(d: DraftContent): EvaluationContent {
  // Item notes left empty in the form are not notes; the server would keep "" as one.
  const itemNotes: Record<string, string> = {};
  for (const [item, note] of Object.entries(d.itemNotes)) {
    if (note.trim() !== '') itemNotes[item] = note;
  }
  // Each photo cited once (the server refuses duplicates), in capture order.
  const seen = new Set<string>();
  const evidence: { evidence_id: string; item: string | null }[] = [];
  for (const p of d.photos) {
    if (seen.has(p.photoId)) continue;
    seen.add(p.photoId);
    evidence.push({ evidence_id: p.photoId, item: p.item });
  }
  return {
    ratings: structuredCopy(d.ratings),
    notes: d.notes,
    item_notes: itemNotes,
    started_at: d.startedAt,
    ended_at: d.endedAt,
    gps_fixes: d.gpsFixes.map((f) => ({ ...f })),
    evidence,
  };
}

/** `PUT /api/evaluations/<id>`: the whole evaluation, snapshotted when it is queued. */
export function createBody(d: DraftContent, submit: boolean): EvaluationCreateBody {
  return {
    engagement_id: d.engagementId,
    site_id: d.siteId,
    assignment_id: d.assignmentId,
    mode: d.mode,
    ...content(d),
    submit,
  };
}

/**
 * `PATCH /api/evaluations/<id>`: every content field (each replaces the server's; sending an
 * unchanged field adds no version, docs/sync.md "Edits").
 */
export function editBody(d: DraftContent, submit: boolean): EvaluationEditBody {
  return { ...content(d), submit };
}

function structuredCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** The version in an ETag `"v3"` (or `W/"v3"`); null if it is not one of ours. */
export function parseEtagVersion(etag: string | null): number | null {
  if (etag === null) return null;
  const match = /^(?:W\/)?"v(\d+)"$/.exec(etag.trim());
  return match ? Number(match[1]) : null;
}

/** The If-Match value for a version. */
export function ifMatchFor(version: number): string {
  return `"v${version}"`;
}

/**
 * A time as ISO 8601 with the device's own offset (`+08:00`), as the server wants it (an offset
 * is required; the local one keeps what the shopper saw). `offsetMinutes` is east of UTC, i.e.
 * `-date.getTimezoneOffset()`.
 */
export function isoWithOffset(date: Date, offsetMinutes: number = -date.getTimezoneOffset()): string {
  const local = new Date(date.getTime() + offsetMinutes * 60_000);
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  const sign = offsetMinutes >= 0 ? '+' : '-';
  const abs = Math.abs(offsetMinutes);
  return (
    `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}` +
    `T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}` +
    `.${pad(local.getUTCMilliseconds(), 3)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  );
}

/** Great-circle distance in metres (haversine on the WGS-84 mean radius). */
export function distanceM(
  a: { latitude: number; longitude: number },
  b: { latitude: number; longitude: number },
): number {
  const R = 6_371_008.8;
  const rad = Math.PI / 180;
  const dLat = (b.latitude - a.latitude) * rad;
  const dLon = (b.longitude - a.longitude) * rad;
  const h =
    Math.sin(dLat / 2) ** 2 +
    Math.cos(a.latitude * rad) * Math.cos(b.latitude * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * R * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Lower-case hex of a digest. */
export function toHex(buffer: ArrayBuffer): string {
  const bytes = new Uint8Array(buffer);
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

/** Whether bytes start like a JPEG file (SOI marker FF D8 FF), whatever its name says. */
export function looksLikeJpeg(head: Uint8Array): boolean {
  return head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff;
}

/**
 * The size to draw a `width`×`height` picture at so its long side is at most `maxSide`,
 * keeping the aspect ratio; unchanged when it already fits.
 */
export function fitWithin(
  width: number,
  height: number,
  maxSide: number,
): { width: number; height: number; scaled: boolean } {
  const long = Math.max(width, height);
  if (long <= maxSide) return { width, height, scaled: false };
  const k = maxSide / long;
  return {
    width: Math.max(1, Math.round(width * k)),
    height: Math.max(1, Math.round(height * k)),
    scaled: true,
  };
}

export const CONTENT_FIELDS = ['ratings', 'notes', 'item_notes', 'started_at', 'ended_at', 'gps_fixes', 'evidence'] as const;
export type ContentField = (typeof CONTENT_FIELDS)[number];

const ISO_WITH_OFFSET = /^\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:\d\d)$/;

/**
 * A field's value in one spelling, so the phone's copy and the server's compare equal when they
 * mean the same: α as a number (older servers answered text), times as epoch milliseconds (the
 * server answers in UTC), object keys sorted.
 */
function normalise(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => normalise(v));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) out[k] = normalise((value as Record<string, unknown>)[k], k);
    return out;
  }
  if (typeof value === 'string') {
    if ((key === 'alpha' || key === 'score') && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
    if (ISO_WITH_OFFSET.test(value)) {
      const t = Date.parse(value);
      if (!Number.isNaN(t)) return t;
    }
  }
  return value;
}

/** Whether two values of a content field mean the same. */
export function sameContent(a: unknown, b: unknown): boolean {
  return JSON.stringify(normalise(a ?? null)) === JSON.stringify(normalise(b ?? null));
}

/**
 * Re-apply a local edit on top of a record someone else changed (docs/sync.md, 412): each field
 * the phone changed (ours ≠ base) is sent, unless the server changed that same field too
 * (theirs ≠ base, and ≠ ours): a conflict for a person. Fields the phone did not change are left
 * out, so the server's version of them stays.
 */
export function rebase(
  ours: Partial<Record<ContentField, unknown>>,
  base: Partial<Record<ContentField, unknown>>,
  theirs: Partial<Record<ContentField, unknown>>,
): { patch: Partial<Record<ContentField, unknown>>; conflicts: ContentField[] } {
  const patch: Partial<Record<ContentField, unknown>> = {};
  const conflicts: ContentField[] = [];
  for (const field of CONTENT_FIELDS) {
    if (!(field in ours) || sameContent(ours[field], base[field])) continue;
    if (!sameContent(theirs[field], base[field]) && !sameContent(theirs[field], ours[field])) conflicts.push(field);
    else patch[field] = ours[field];
  }
  return { patch, conflicts };
}

/** One answer of a survey question: a level, or 不适用 / 未接触. */
export type SurveyValue = Level | 'na';

/** A face-to-face survey answer as `PUT /api/survey-responses/<id>` takes it (docs/surveys.md). */
export interface SurveyResponseBody {
  campaign_id: string;
  site_id: string;
  answers: Record<string, SurveyValue>;
  comment: string;
  interviewer_ids: string[];
  staff_absent: boolean;
  conducted_at: string;
  phone: string;
  consent: boolean;
}

/**
 * The phone's fields of a face-to-face answer (data/types.ts SurveyAnswer adds its id and keeps
 * it in IndexedDB).
 */
export interface SurveyContent {
  campaignId: string;
  /** The client site (sites table id), as the campaign's `sites[].site_id`. */
  siteId: string;
  answers: Record<string, SurveyValue>;
  comment: string;
  /** The signed-in auditor first, then an optional second team member. */
  interviewerIds: string[];
  /** The attestation that the client's staff were absent (the server refuses false). */
  staffAbsent: boolean;
  /** ISO 8601 with offset. */
  conductedAt: string;
  phone: string;
  consent: boolean;
}

/**
 * The request body, snapshotted when queued: a replay sends these very bytes, so the server's
 * content hash matches and it answers 200 instead of storing a second answer. The phone number
 * is sent only with the consent (PIPL: without it there is nothing to keep).
 */
export function surveyBody(a: SurveyContent): SurveyResponseBody {
  const phone = a.consent ? a.phone.trim() : '';
  return {
    campaign_id: a.campaignId,
    site_id: a.siteId,
    answers: { ...a.answers },
    comment: a.comment.trim(),
    interviewer_ids: [...new Set(a.interviewerIds)],
    staff_absent: a.staffAbsent,
    conducted_at: a.conductedAt,
    phone,
    consent: phone !== '' && a.consent,
  };
}
