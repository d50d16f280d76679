import { describe, expect, it, vi } from 'vitest';
import { ApiError, NetworkError, apiFetch, apiFetchAll, setApiLanguage, setDeviceToken } from '../../src/data/api';
import { readMeta } from '../../src/data/db';
import { cachedGet } from '../../src/data/cache';
import { useHarness } from './harness';

useHarness();

type Call = { url: string; init: RequestInit };

function recorder(answers: ((call: Call) => Response | Promise<Response>)[]): { calls: Call[] } {
  const calls: Call[] = [];
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    const call = { url, init };
    calls.push(call);
    const answer = answers.shift();
    if (!answer) throw new Error(`unexpected ${init.method} ${url}`);
    return answer(call);
  });
  return { calls };
}

const ok = (body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json', ...headers } });
const fail = (status: number, code: string, details: unknown = null): Response =>
  new Response(JSON.stringify({ code, message: `${code}!`, details }), { status, headers: { 'Content-Type': 'application/json' } });
const headersOf = (c: Call | undefined): Record<string, string> => (c?.init.headers ?? {}) as Record<string, string>;

describe('apiFetch', () => {
  it('sends the CSRF token on writes (fetched once), and Accept-Language', async () => {
    setApiLanguage('en');
    const { calls } = recorder([() => ok({ csrf_token: 't1' }), () => ok({ a: 1 }, { ETag: '"v2"' }), () => ok({})]);
    const first = await apiFetch<{ a: number }>('POST', '/api/x', { json: { q: 1 } });
    expect(first).toEqual({ status: 200, data: { a: 1 }, etag: '"v2"' });
    await apiFetch('PATCH', '/api/y', { json: {}, ifMatch: 2 });
    expect(calls.map((c) => `${c.init.method} ${c.url}`)).toEqual(['GET /api/auth/csrf', 'POST /api/x', 'PATCH /api/y']);
    expect(headersOf(calls[1])).toMatchObject({ 'X-CSRF-Token': 't1', 'Content-Type': 'application/json', 'Accept-Language': 'en' });
    expect(headersOf(calls[2])).toMatchObject({ 'X-CSRF-Token': 't1', 'If-Match': '"v2"' });
    expect(calls[1]?.init.credentials).toBe('same-origin');
    expect(calls[1]?.init.body).toBe('{"q":1}');
    expect(await readMeta('lang')).toBe('en');
  });

  it('fetches a new CSRF token once when the server says it is stale', async () => {
    const { calls } = recorder([
      () => ok({ csrf_token: 'old' }),
      () => fail(403, 'CSRF_FAILED', { reason: 'mismatch' }),
      () => ok({ csrf_token: 'new' }),
      () => ok({ done: true }),
    ]);
    expect((await apiFetch('POST', '/api/x', { json: {} })).data).toEqual({ done: true });
    expect(headersOf(calls[3])['X-CSRF-Token']).toBe('new');
  });

  it('sends the device token and no CSRF token when paired', async () => {
    await setDeviceToken('fcd_abc');
    const { calls } = recorder([() => ok({})]);
    await apiFetch('PUT', '/api/evidence/1', { body: new Blob(['x']) });
    expect(headersOf(calls[0])).toMatchObject({ Authorization: 'Bearer fcd_abc', 'Content-Type': 'application/octet-stream' });
    expect(headersOf(calls[0])).not.toHaveProperty('X-CSRF-Token');
  });

  it('rejects with the server error shape, and with NetworkError when there is no answer', async () => {
    recorder([
      () => fail(422, 'VALIDATION_ERROR', { notes: ['too long'] }),
      () => new Response('<html>bad gateway</html>', { status: 502, headers: { 'Content-Type': 'text/html' } }),
      () => Promise.reject(new TypeError('Failed to fetch')),
      () => new Response(JSON.stringify({ code: 'TOO_MANY_REQUESTS', message: 'slow', details: {} }), { status: 429, headers: { 'Content-Type': 'application/json', 'Retry-After': '30' } }),
    ]);
    await expect(apiFetch('GET', '/api/a')).rejects.toMatchObject({ name: 'ApiError', status: 422, code: 'VALIDATION_ERROR', details: { notes: ['too long'] } });
    await expect(apiFetch('GET', '/api/b')).rejects.toMatchObject({ status: 502, code: 'HTTP_502' });
    await expect(apiFetch('GET', '/api/c')).rejects.toBeInstanceOf(NetworkError);
    const e = await apiFetch('GET', '/api/d').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect((e as ApiError).retryAfter).toBe(30);
  });

  it('treats a success whose JSON was cut off as no answer', async () => {
    recorder([() => new Response('{"id": "abc", "sta', { status: 201, headers: { 'Content-Type': 'application/json' } })]);
    await expect(apiFetch('PUT', '/api/evaluations/x', { json: {} , headers: { 'X-CSRF-Token': 'given' } })).rejects.toBeInstanceOf(NetworkError);
  });

  it('gives up after the time limit', async () => {
    vi.stubGlobal('fetch', (_url: string, init: RequestInit) =>
      new Promise((_resolve, reject) => init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')))),
    );
    await expect(apiFetch('GET', '/api/slow', { timeoutMs: 20 })).rejects.toMatchObject({ name: 'NetworkError', timedOut: true });
  });
});

describe('cachedGet', () => {
  it('keeps the last answer and serves it when the server cannot be reached', async () => {
    recorder([
      () => ok([{ id: 'a1' }]),
      () => Promise.reject(new TypeError('offline')),
      () => fail(503, 'SERVICE_UNAVAILABLE'),
      () => fail(401, 'AUTH_REQUIRED'),
    ]);
    const fresh = await cachedGet<{ id: string }[]>('/api/me/assignments');
    expect(fresh).toMatchObject({ data: [{ id: 'a1' }], fromCache: false });
    const offline = await cachedGet<{ id: string }[]>('/api/me/assignments');
    expect(offline).toMatchObject({ data: [{ id: 'a1' }], fromCache: true, fetchedAt: fresh.fetchedAt.slice(0, 0) + offline.fetchedAt });
    expect((await cachedGet('/api/me/assignments')).fromCache).toBe(true);
    // Not "unreachable": the caller must see it (sign in again).
    await expect(cachedGet('/api/me/assignments')).rejects.toMatchObject({ code: 'AUTH_REQUIRED' });
  });

  it('rethrows when offline with no copy', async () => {
    recorder([() => Promise.reject(new TypeError('offline'))]);
    await expect(cachedGet('/api/engagements')).rejects.toBeInstanceOf(NetworkError);
  });
});

describe('apiFetchAll', () => {
  it('follows X-Next-Cursor page by page until the last page and keeps the order', async () => {
    const { calls } = recorder([
      () => ok([1, 2], { 'X-Next-Cursor': 'c/1+' }),
      () => ok([3, 4], { 'X-Next-Cursor': 'c2' }),
      () => ok([5]),
    ]);
    expect(await apiFetchAll<number>('/api/engagements/e/evaluations?status=submitted', 2)).toEqual([1, 2, 3, 4, 5]);
    expect(calls.map((c) => c.url)).toEqual([
      '/api/engagements/e/evaluations?status=submitted&limit=2',
      '/api/engagements/e/evaluations?status=submitted&limit=2&cursor=c%2F1%2B',
      '/api/engagements/e/evaluations?status=submitted&limit=2&cursor=c2',
    ]);
  });
});
