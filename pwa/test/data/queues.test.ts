import { describe, expect, it, vi } from 'vitest';
import { PagedQueues } from '../../src/data/queues';
import { useHarness } from './harness';

useHarness();

const ok = (body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json', ...headers } });
const forbidden = (): Response =>
  new Response(JSON.stringify({ code: 'FORBIDDEN', message: 'no', details: null }), { status: 403, headers: { 'Content-Type': 'application/json' } });

/** Answers by URL (the queues are read in parallel), recording the URLs asked. */
function server(pages: Record<string, () => Response>): string[] {
  const asked: string[] = [];
  vi.stubGlobal('fetch', async (url: string) => {
    asked.push(url);
    const answer = pages[url];
    if (!answer) throw new Error(`unexpected GET ${url}`);
    return answer();
  });
  return asked;
}

describe('PagedQueues', () => {
  const engagements = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];
  const path = (e: { id: string }): string => `/api/engagements/${e.id}/evaluations?status=submitted`;

  it('reads one page of each queue, then only the next page of those that have one', async () => {
    const asked = server({
      '/api/engagements/a/evaluations?status=submitted&limit=2': () => ok([1, 2], { 'X-Next-Cursor': 'a/2+' }),
      '/api/engagements/b/evaluations?status=submitted&limit=2': () => ok([10]),
      '/api/engagements/c/evaluations?status=submitted&limit=2': () => forbidden(),
      '/api/engagements/a/evaluations?status=submitted&limit=2&cursor=a%2F2%2B': () => ok([3]),
    });
    const queues = new PagedQueues<{ id: string }, number>(engagements, path, 2);

    await queues.loadMore();
    expect(queues.rows.map((r) => `${r.engagement.id}${r.evaluation}`)).toEqual(['a1', 'a2', 'b10']);
    expect(queues.hasMore).toBe(true);
    expect(asked).toHaveLength(3);

    await queues.loadMore();
    // Engagement by engagement, each in queue order: the new row joins its engagement's rows.
    expect(queues.rows.map((r) => `${r.engagement.id}${r.evaluation}`)).toEqual(['a1', 'a2', 'a3', 'b10']);
    expect(queues.hasMore).toBe(false);
    expect(asked.slice(3)).toEqual(['/api/engagements/a/evaluations?status=submitted&limit=2&cursor=a%2F2%2B']);
  });

  it('passes on errors other than 403 (the screen shows them)', async () => {
    server({ '/api/engagements/a/evaluations?status=submitted&limit=50': () => new Response('{}', { status: 500 }) });
    const queues = new PagedQueues<{ id: string }, number>([{ id: 'a' }], path);
    await expect(queues.loadMore()).rejects.toBeTruthy();
  });
});
