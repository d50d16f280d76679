/**
 * A small in-memory stand-in for the server's sync and evidence endpoints, implementing their
 * idempotency rules as docs/sync.md and docs/evidence.md state them (PUT create: same content →
 * 200, other content → 409 IDEMPOTENCY_CONFLICT; one evaluation per assignment → 409
 * ASSIGNMENT_ALREADY_RECORDED with details.evaluation_id and evaluation_status; missing evidence
 * → 422 MISSING_EVIDENCE with details.missing_evidence; PATCH needs
 * If-Match, 412 when stale unless it is the replay of the edit that made the current version;
 * evidence PUT checks X-Content-SHA256 and answers a replay with 200). It also checks the
 * request shapes the client sends (headers, JSON fields) and can drop connections and answers.
 *
 * The browser tests (tests/browser) run the same flows against the real server.
 */
import { createHash } from 'node:crypto';

type Json = Record<string, unknown>;

export interface StoredEvaluation {
  id: string;
  engagement_id: string;
  site_id: string;
  assignment_id: string | null;
  mode: string;
  status: string;
  version: number;
  createHash: string;
  content: Json;
  contentHashes: string[];
  events: { to_status: string; comment: string | null; at: string }[];
  lastEdit: { base: number; bodyHash: string; result: number; submitted: boolean } | null;
}

export interface StoredEvidence {
  id: string;
  sha256: string;
  bytes: Uint8Array;
  headers: Record<string, string>;
}

/** What to do to the next matching request. */
export type Fault =
  /** fetch rejects before the server sees anything (offline). */
  | 'network'
  /** The server handles the request, then the connection drops: the answer is lost. */
  | 'lost'
  /** 503 SERVICE_UNAVAILABLE, nothing handled. */
  | '503'
  /** The upload is cut off half way: 400 BAD_REQUEST incomplete_body, nothing stored. */
  | 'cut'
  /** 429 with Retry-After: 7. */
  | '429';

const CONTENT_FIELDS = ['ratings', 'notes', 'item_notes', 'started_at', 'ended_at', 'gps_fixes', 'evidence'] as const;
const CREATE_FIELDS = new Set(['engagement_id', 'site_id', 'assignment_id', 'mode', 'submit', ...CONTENT_FIELDS]);
const EDIT_FIELDS = new Set(['submit', ...CONTENT_FIELDS]);

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value as Json).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((value as Json)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(body === null ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
}

function error(status: number, code: string, details: unknown = {}, headers: Record<string, string> = {}): Response {
  return json(status, { code, message: `${code} (fake server)`, details }, headers);
}

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/** A face-to-face survey answer as the fake server keeps it (docs/surveys.md). */
export interface StoredSurveyResponse {
  id: string;
  body: Json;
  contentHash: string;
  channel: 'offline';
}

const SURVEY_FIELDS = new Set(['campaign_id', 'site_id', 'answers', 'comment', 'interviewer_ids', 'staff_absent', 'conducted_at', 'phone', 'consent']);

export class FakeServer {
  evaluations = new Map<string, StoredEvaluation>();
  surveyResponses = new Map<string, StoredSurveyResponse>();
  /** The campaign's questions: answers to other items are refused (422), as the server does. */
  surveyItems = new Set(['1.1', '1.2', '2.1']);
  evidence = new Map<string, StoredEvidence>();
  /** Every request that reached the server: method and path. */
  log: string[] = [];
  /** X-Device-Time of every write that reached the server ("METHOD path" → values). */
  deviceTimes = new Map<string, string[]>();
  /** Requests fetch rejected or whose answers were dropped. */
  faults: string[] = [];
  csrfToken = 'csrf-1';
  /** When set, writes need `Authorization: Bearer <token>` and no CSRF header. */
  deviceToken: string | null = null;
  offline = false;
  /** A test hook: answer this for the next evidence PUT instead of its real SHA-256. */
  lieAboutSha: string | null = null;
  private faultQueue: { match: RegExp; fault: Fault }[] = [];
  private clock = Date.parse('2026-12-03T02:00:00Z');

  /** Make the next request whose "METHOD path" matches fail this way. */
  failNext(match: RegExp, fault: Fault, times = 1): void {
    for (let i = 0; i < times; i += 1) this.faultQueue.push({ match, fault });
  }

  /** An auditor returns a submitted evaluation (POST .../review action=return). */
  returnEvaluation(id: string, comment: string): void {
    const ev = this.evaluations.get(id);
    if (!ev || ev.status !== 'submitted') throw new Error(`cannot return ${id}`);
    ev.status = 'returned';
    ev.events.push({ to_status: 'returned', comment, at: this.now() });
  }

  /** The same user edits on another phone (a new version the phone did not make). */
  editElsewhere(id: string, patch: Json): void {
    const ev = this.evaluations.get(id);
    if (!ev) throw new Error(`no ${id}`);
    ev.content = { ...ev.content, ...patch };
    ev.version += 1;
    ev.contentHashes.push(sha256(canonical(ev.content)));
    ev.lastEdit = null;
  }

  private now(): string {
    this.clock += 1000;
    return new Date(this.clock).toISOString();
  }

  fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(String(input), 'http://phone.test');
    const method = (init.method ?? 'GET').toUpperCase();
    const key = `${method} ${url.pathname}`;
    const headers = Object.fromEntries(
      Object.entries((init.headers ?? {}) as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v]),
    );
    if (this.offline) {
      this.faults.push(`offline ${key}`);
      throw new TypeError('Failed to fetch');
    }
    const i = this.faultQueue.findIndex((f) => f.match.test(key));
    const fault = i >= 0 ? this.faultQueue.splice(i, 1)[0]?.fault : undefined;
    if (fault === 'network') {
      this.faults.push(`network ${key}`);
      throw new TypeError('Failed to fetch');
    }
    if (fault === '503') return error(503, 'SERVICE_UNAVAILABLE');
    if (fault === '429') return error(429, 'TOO_MANY_REQUESTS', {}, { 'Retry-After': '7' });
    if (fault === 'cut') return error(400, 'INCOMPLETE_BODY', { reason: 'incomplete_body' });
    this.log.push(key);
    let body: unknown = init.body;
    if (body instanceof Blob) body = new Uint8Array(await body.arrayBuffer());
    const response = this.handle(method, url, headers, body);
    if (fault === 'lost') {
      this.faults.push(`lost ${key}`);
      throw new TypeError('network connection lost');
    }
    return response;
  };

  private handle(method: string, url: URL, headers: Record<string, string>, body: unknown): Response {
    const path = url.pathname;
    if (method === 'GET' && path === '/api/auth/csrf') return json(200, { csrf_token: this.csrfToken });
    if (method === 'GET' && path === '/api/health') return json(200, { status: 'ok', database: 'ok', version: 'fake' });
    if (method !== 'GET') {
      const auth = headers['authorization'];
      if (this.deviceToken !== null) {
        if (auth !== `Bearer ${this.deviceToken}`) return error(401, 'AUTH_REQUIRED');
      } else if (headers['x-csrf-token'] !== this.csrfToken) {
        return error(403, 'CSRF_FAILED', { header: 'X-CSRF-Token' });
      }
    }
    if (method === 'PUT' || method === 'PATCH') {
      const sent = headers['x-device-time'];
      // docs/sync.md: ISO 8601 with an offset; malformed is 422.
      if (sent !== undefined && (!/(Z|[+-]\d\d:\d\d)$/.test(sent) || Number.isNaN(Date.parse(sent)))) {
        return error(422, 'VALIDATION_ERROR', { 'X-Device-Time': ['Not a valid datetime.'] });
      }
      const key = `${method} ${path}`;
      this.deviceTimes.set(key, [...(this.deviceTimes.get(key) ?? []), sent ?? '']);
    }
    let m: RegExpExecArray | null;
    if ((m = new RegExp(`^/api/evidence/(${UUID})$`).exec(path)) && method === 'PUT') {
      return this.putEvidence(m[1] as string, headers, body as Uint8Array);
    }
    if ((m = new RegExp(`^/api/evaluations/(${UUID})$`).exec(path))) {
      const id = m[1] as string;
      if (method === 'PUT') return this.putEvaluation(id, JSON.parse(String(body)) as Json);
      if (method === 'PATCH') return this.patchEvaluation(id, headers['if-match'], JSON.parse(String(body)) as Json);
      if (method === 'GET') return this.getEvaluation(id);
    }
    if ((m = new RegExp(`^/api/survey-responses/(${UUID})$`).exec(path)) && method === 'PUT') {
      return this.putSurveyResponse(m[1] as string, JSON.parse(String(body)) as Json);
    }
    if (method === 'GET' && path === '/api/sync/mine') {
      return json(200, {
        server_time: this.now(),
        since: null,
        evaluations: [...this.evaluations.values()].map((e) => ({
          id: e.id,
          version: e.version,
          content_hash: e.contentHashes[e.version - 1],
          status: e.status,
          updated_at: this.now(),
        })),
        assignments: [],
        evidence: [...this.evidence.values()].map((e) => ({ id: e.id, sha256: e.sha256 })),
      });
    }
    return error(404, 'NOT_FOUND');
  }

  /** backend/surveys/services.py put_offline_response: same content 200, other 409, checks 422. */
  private putSurveyResponse(id: string, body: Json): Response {
    const unknown = Object.keys(body).filter((k) => !SURVEY_FIELDS.has(k));
    if (unknown.length > 0) return error(422, 'VALIDATION_ERROR', Object.fromEntries(unknown.map((k) => [k, ['Unknown field.']])));
    const contentHash = sha256(canonical(body));
    const existing = this.surveyResponses.get(id);
    const record = (r: StoredSurveyResponse): Json => ({ id: r.id, channel: r.channel, ...r.body });
    if (existing) {
      if (existing.contentHash === contentHash) return json(200, record(existing));
      return error(409, 'IDEMPOTENCY_CONFLICT', { response_id: id });
    }
    if (body['staff_absent'] !== true) return error(422, 'VALIDATION_ERROR', { staff_absent: ['attest it (true)'] });
    const ids = body['interviewer_ids'];
    if (!Array.isArray(ids) || ids.length < 1 || ids.length > 2) return error(422, 'VALIDATION_ERROR', { interviewer_ids: ['1 or 2'] });
    for (const item of Object.keys((body['answers'] ?? {}) as Json)) {
      if (!this.surveyItems.has(item)) return error(422, 'VALIDATION_ERROR', { [`answers.${item}`]: ['not a question of this campaign'] });
    }
    const stored: StoredSurveyResponse = { id, body, contentHash, channel: 'offline' };
    this.surveyResponses.set(id, stored);
    return json(201, record(stored));
  }

  private putEvidence(id: string, headers: Record<string, string>, bytes: Uint8Array): Response {
    const claimed = headers['x-content-sha256'];
    if (!claimed || !/^[0-9a-f]{64}$/.test(claimed)) return error(422, 'VALIDATION_ERROR', { 'X-Content-SHA256': ['missing'] });
    if (headers['content-type'] !== 'application/octet-stream') return error(422, 'VALIDATION_ERROR', { 'Content-Type': ['?'] });
    const lat = headers['x-capture-latitude'];
    const lon = headers['x-capture-longitude'];
    if ((lat === undefined) !== (lon === undefined)) return error(422, 'VALIDATION_ERROR', { 'X-Capture-Latitude': ['both or neither'] });
    const existing = this.evidence.get(id);
    const record = (e: StoredEvidence): Json => ({ id: e.id, sha256: this.lieAboutSha ?? e.sha256, size_bytes: e.bytes.length });
    if (existing) {
      if (existing.sha256 !== claimed) return error(409, 'IDEMPOTENCY_CONFLICT', { stored_sha256: existing.sha256 });
      return json(200, record(existing));
    }
    const actual = sha256(bytes);
    if (actual !== claimed) return error(422, 'EVIDENCE_HASH_MISMATCH', { received_sha256: actual });
    const stored: StoredEvidence = { id, sha256: actual, bytes, headers };
    this.evidence.set(id, stored);
    return json(201, record(stored));
  }

  private answer(status: number, ev: StoredEvaluation): Response {
    return json(
      status,
      {
        id: ev.id,
        engagement_id: ev.engagement_id,
        site_id: ev.site_id,
        assignment_id: ev.assignment_id,
        mode: ev.mode,
        status: ev.status,
        version: ev.version,
        content: { ...ev.content, content_hash: ev.contentHashes[ev.version - 1] },
        events: ev.events,
      },
      { ETag: `"v${ev.version}"` },
    );
  }

  private putEvaluation(id: string, body: Json): Response {
    const unknown = Object.keys(body).filter((k) => !CREATE_FIELDS.has(k));
    if (unknown.length > 0) return error(422, 'VALIDATION_ERROR', Object.fromEntries(unknown.map((k) => [k, ['Unknown field.']])));
    for (const f of ['engagement_id', 'site_id', 'mode']) {
      if (typeof body[f] !== 'string') return error(422, 'VALIDATION_ERROR', { [f]: ['required'] });
    }
    const createHash = sha256(canonical(body));
    const existing = this.evaluations.get(id);
    if (existing) {
      if (existing.createHash === createHash) return this.answer(200, existing);
      return error(409, 'IDEMPOTENCY_CONFLICT', { evaluation_id: id });
    }
    const assignment = (body['assignment_id'] as string | null) ?? null;
    if (assignment !== null) {
      for (const other of this.evaluations.values()) {
        if (other.assignment_id === assignment) {
          return error(409, 'ASSIGNMENT_ALREADY_RECORDED', { reason: 'assignment_already_recorded', evaluation_id: other.id, evaluation_status: other.status });
        }
      }
    }
    const missing = this.missingEvidence(body);
    if (missing.length > 0) return error(422, 'MISSING_EVIDENCE', { missing_evidence: missing });
    const content = Object.fromEntries(CONTENT_FIELDS.map((f) => [f, body[f] ?? null]));
    const ev: StoredEvaluation = {
      id,
      engagement_id: body['engagement_id'] as string,
      site_id: body['site_id'] as string,
      assignment_id: assignment,
      mode: body['mode'] as string,
      status: body['submit'] ? 'submitted' : 'draft',
      version: 1,
      createHash,
      content,
      contentHashes: [sha256(canonical(content))],
      events: [{ to_status: 'draft', comment: null, at: this.now() }],
      lastEdit: null,
    };
    if (body['submit']) ev.events.push({ to_status: 'submitted', comment: null, at: this.now() });
    this.evaluations.set(id, ev);
    return this.answer(201, ev);
  }

  private missingEvidence(body: Json): string[] {
    const links = (body['evidence'] as { evidence_id: string }[] | undefined) ?? [];
    return links.map((l) => l.evidence_id).filter((e) => !this.evidence.has(e));
  }

  private patchEvaluation(id: string, ifMatch: string | undefined, body: Json): Response {
    const ev = this.evaluations.get(id);
    if (!ev) return error(404, 'NOT_FOUND');
    const unknown = Object.keys(body).filter((k) => !EDIT_FIELDS.has(k));
    if (unknown.length > 0) return error(422, 'VALIDATION_ERROR', Object.fromEntries(unknown.map((k) => [k, ['Unknown field.']])));
    if (ifMatch === undefined) return error(428, 'PRECONDITION_REQUIRED');
    const base = Number(/^"v(\d+)"$/.exec(ifMatch)?.[1] ?? NaN);
    const bodyHash = sha256(canonical(body));
    // The replay of the edit that made the current version (docs/sync.md "Replayed edits").
    if (ev.lastEdit && ev.lastEdit.base === base && ev.lastEdit.bodyHash === bodyHash && ev.lastEdit.result === ev.version) {
      return this.answer(200, ev);
    }
    if (base !== ev.version) return error(412, 'PRECONDITION_FAILED', { current_version: ev.version });
    if (ev.status !== 'draft' && ev.status !== 'returned') return error(409, 'INVALID_TRANSITION', { status: ev.status });
    const missing = this.missingEvidence(body);
    if (missing.length > 0) return error(422, 'MISSING_EVIDENCE', { missing_evidence: missing });
    const next = { ...ev.content };
    for (const f of CONTENT_FIELDS) if (f in body) next[f] = body[f];
    const changed = canonical(next) !== canonical(ev.content);
    if (changed) {
      ev.content = next;
      ev.version += 1;
      ev.contentHashes.push(sha256(canonical(next)));
    }
    if (body['submit']) {
      ev.status = 'submitted';
      ev.events.push({ to_status: 'submitted', comment: null, at: this.now() });
    }
    ev.lastEdit = { base, bodyHash, result: ev.version, submitted: Boolean(body['submit']) };
    return this.answer(200, ev);
  }

  private getEvaluation(id: string): Response {
    const ev = this.evaluations.get(id);
    return ev ? this.answer(200, ev) : error(404, 'NOT_FOUND');
  }
}
