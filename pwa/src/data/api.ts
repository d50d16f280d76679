/**
 * The one way the app talks to the server: JSON (or a Blob body), the session cookie or the
 * paired device's token, the CSRF header on writes, Accept-Language, time limits, and errors as
 * the server's `{code, message, details}`. Runs in the window and in the service worker.
 */
import { parseRetryAfter } from '../shared/backoff';
import { readMeta, writeMeta, deleteMeta } from './db';

/** The server answered with an error (`{"code", "message", "details"}`; decide from `code`). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;
  /** Seconds from `Retry-After` (429, 503), or null. */
  readonly retryAfter: number | null;
  constructor(status: number, code: string, message: string, details: unknown, retryAfter: number | null = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
    this.retryAfter = retryAfter;
  }
}

/** No answer: offline, the connection failed or dropped, or the time limit passed. */
export class NetworkError extends Error {
  readonly timedOut: boolean;
  constructor(message: string, timedOut = false) {
    super(message);
    this.name = 'NetworkError';
    this.timedOut = timedOut;
  }
}

export interface ApiOptions {
  json?: unknown;
  body?: Blob;
  headers?: Record<string, string>;
  /** A version number (sent as `"v<n>"`) or a ready ETag string. */
  ifMatch?: string | number;
  /** Milliseconds before the request counts as failed (default 30 s; uploads by size, ≤ 9 min). */
  timeoutMs?: number;
}

export interface ApiResponse<T> {
  status: number;
  data: T;
  etag: string | null;
  /** A paged list's next page (`X-Next-Cursor`, backend/paging.py); absent on the last page. */
  next?: string | null;
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const DEFAULT_TIMEOUT_MS = 30_000;
/** Uploads: 60 s plus the time at 128 kbit/s (a weak 3G signal), at most 9 min (data/lock.ts). */
function uploadTimeout(bytes: number): number {
  return Math.min(60_000 + Math.ceil(bytes / 16), 9 * 60_000);
}

let language: 'zh-CN' | 'en' = 'zh-CN';
let languageLoaded = false;
let csrfToken: string | null = null;
/** undefined: not read from IndexedDB yet in this context. */
let deviceToken: string | null | undefined;

/** The language of server messages; kept in IndexedDB so the service worker uses it too. */
export function setApiLanguage(lang: 'zh-CN' | 'en'): void {
  language = lang;
  languageLoaded = true;
  writeMeta('lang', lang).catch(() => undefined);
}

export async function apiLanguage(): Promise<'zh-CN' | 'en'> {
  if (!languageLoaded) {
    try {
      const stored = await readMeta('lang');
      if (stored === 'zh-CN' || stored === 'en') language = stored;
    } catch {
      // No storage: keep the default.
    }
    languageLoaded = true;
  }
  return language;
}

/** Remember the CSRF token the server gave (login answers with the new session's token). */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** The paired device's token (`fcd_…`) or null; read once from IndexedDB per context. */
export async function getDeviceToken(): Promise<string | null> {
  if (deviceToken === undefined) {
    try {
      const stored = await readMeta('deviceToken');
      deviceToken = typeof stored === 'string' && stored !== '' ? stored : null;
    } catch {
      deviceToken = null;
    }
  }
  return deviceToken;
}

export async function setDeviceToken(token: string | null): Promise<void> {
  if (token === null) await deleteMeta('deviceToken');
  else await writeMeta('deviceToken', token);
  deviceToken = token;
}

/** Forget what this context cached in memory (tests; after another context changed it). */
export function resetApiState(): void {
  csrfToken = null;
  deviceToken = undefined;
  languageLoaded = false;
  language = 'zh-CN';
}

async function fetchCsrfToken(): Promise<string> {
  const { data } = await request<{ csrf_token: string }>('GET', '/api/auth/csrf', {}, false);
  csrfToken = data.csrf_token;
  return csrfToken;
}

/**
 * Send one request. Resolves for 2xx (and 304); rejects with ApiError for any other answer and
 * NetworkError when there is none. A write with the session cookie carries X-CSRF-Token
 * (fetched on first need, and fetched again once when the server says it is stale).
 */
export async function apiFetch<T>(method: string, path: string, opts: ApiOptions = {}): Promise<ApiResponse<T>> {
  try {
    return await request<T>(method.toUpperCase(), path, opts, true);
  } catch (error) {
    if (error instanceof ApiError && error.code === 'CSRF_FAILED') {
      csrfToken = null;
      return request<T>(method.toUpperCase(), path, opts, true);
    }
    throw error;
  }
}

/**
 * Every page of a paged list (`GET` with `X-Next-Cursor`, backend/paging.py), in order, at
 * `limit` rows a page (the server allows 1 to 500).
 */
export async function apiFetchAll<T>(path: string, limit = 500): Promise<T[]> {
  const base = `${path}${path.includes('?') ? '&' : '?'}limit=${limit}`;
  const rows: T[] = [];
  let cursor: string | null | undefined = null;
  do {
    const url: string = cursor ? `${base}&cursor=${encodeURIComponent(cursor)}` : base;
    const page: ApiResponse<T[]> = await apiFetch<T[]>('GET', url);
    rows.push(...page.data);
    cursor = page.next;
  } while (cursor);
  return rows;
}

async function request<T>(method: string, path: string, opts: ApiOptions, csrf: boolean): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { Accept: 'application/json', 'Accept-Language': await apiLanguage() };
  const token = await getDeviceToken();
  if (token !== null) headers['Authorization'] = `Bearer ${token}`;
  else if (csrf && WRITE_METHODS.has(method)) {
    // Device-token requests are exempt from CSRF (backend/auth/csrf.py).
    headers['X-CSRF-Token'] = csrfToken ?? (await fetchCsrfToken());
  }
  if (opts.ifMatch !== undefined) {
    headers['If-Match'] = typeof opts.ifMatch === 'number' ? `"v${opts.ifMatch}"` : opts.ifMatch;
  }
  let body: BodyInit | undefined;
  if (opts.body !== undefined) {
    body = opts.body;
    headers['Content-Type'] = 'application/octet-stream';
  } else if (opts.json !== undefined) {
    body = JSON.stringify(opts.json);
    headers['Content-Type'] = 'application/json';
  }
  Object.assign(headers, opts.headers ?? {});

  const timeoutMs = opts.timeoutMs ?? (opts.body !== undefined ? uploadTimeout(opts.body.size) : DEFAULT_TIMEOUT_MS);
  const controller = typeof AbortController !== 'undefined' ? new AbortController() : null;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller?.abort();
  }, timeoutMs);
  let response: Response;
  try {
    const init: RequestInit = { method, headers, credentials: 'same-origin', cache: 'no-store' };
    if (body !== undefined) init.body = body;
    if (controller !== null) init.signal = controller.signal;
    response = await fetch(path, init);
  } catch (error) {
    clearTimeout(timer);
    throw new NetworkError(
      timedOut ? `No answer from the server within ${timeoutMs / 1000} s` : `The server cannot be reached (${String(error)})`,
      timedOut,
    );
  }
  let data: unknown;
  try {
    data = await readBody(response);
  } catch (error) {
    // The connection dropped while the answer was arriving: as good as no answer.
    throw new NetworkError(timedOut ? 'The answer stopped arriving' : `The answer was cut off (${String(error)})`, timedOut);
  } finally {
    clearTimeout(timer);
  }
  const etag = response.headers.get('ETag');
  if (response.ok || response.status === 304) {
    const next = response.headers.get('X-Next-Cursor');
    return { status: response.status, data: data as T, etag, ...(next !== null ? { next } : {}) };
  }
  const err = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
  const code = typeof err['code'] === 'string' ? err['code'] : `HTTP_${response.status}`;
  const message = typeof err['message'] === 'string' ? err['message'] : `HTTP ${response.status}`;
  throw new ApiError(response.status, code, message, err['details'] ?? null, parseRetryAfter(response.headers.get('Retry-After')));
}

async function readBody(response: Response): Promise<unknown> {
  if (response.status === 204 || response.status === 304) return null;
  const type = response.headers.get('Content-Type') ?? '';
  if (type.includes('json')) {
    const text = await response.text();
    if (text === '') return null;
    try {
      return JSON.parse(text);
    } catch (error) {
      // A success whose JSON is cut off did not really arrive: the caller retries (safe).
      if (response.ok) throw error;
      return { code: `HTTP_${response.status}`, message: 'The answer was not valid JSON', details: null };
    }
  }
  if (type.startsWith('text/')) return response.text();
  return response.blob();
}
