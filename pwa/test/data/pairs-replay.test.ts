/**
 * The two-rater actions through the outbox (onsite/pairs.ts, data/replay.ts `onsiteRequest`): the
 * team leader's pairing and a pair's reconciliation are queued on the phone, offline too, and
 * sent exactly once to their own URLs when the network is back.
 */
import { describe, expect, it, vi } from 'vitest';
import { listOutbox } from '../../src/data/outbox';
import { replayOutbox } from '../../src/data/replay';
import { discardPairAction, getOnsite, listOnsite, queuePairAction } from '../../src/onsite/store';
import { useHarness } from './harness';

const PAIR = '7d3c2a5e-0000-4000-8000-000000000001';
const pairing = { engagement_id: 'e1', site_id: 's1', mode: 'A', rater_ids: ['u1', 'u2'], note: '同时暗访' };
const items = { '1.1': { rating: { level: 4 }, discussion: '' }, '1.2': { rating: { level: 3 }, discussion: '复看照片后取 3' } };

interface Call {
  method: string;
  url: string;
  body: unknown;
}

/** Answer PUTs under /api/rater-pairs/ with `answer(url)`; the network is down while `offline()`. */
function serve(h: ReturnType<typeof useHarness>, answer: (url: string) => { status: number; body: unknown }, offline: () => boolean = () => false): Call[] {
  const calls: Call[] = [];
  const real = h.server().fetch;
  vi.stubGlobal('fetch', async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input), 'http://localhost').pathname;
    if (url.startsWith('/api/rater-pairs/')) {
      if (offline()) throw new TypeError('Failed to fetch');
      calls.push({ method: init?.method ?? 'GET', url, body: init?.body ? JSON.parse(String(init.body)) : null });
      const { status, body } = answer(url);
      return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
    }
    return real(input, init);
  });
  return calls;
}

describe('the team leader pairing through the outbox', () => {
  const h = useHarness();

  it('queues the pairing offline, then sends one PUT to /api/rater-pairs/<phone id> with the pairing', async () => {
    let down = true;
    const calls = serve(h, (url) => ({ status: 201, body: { id: url.split('/').pop(), status: 'rating' } }), () => down);
    await queuePairAction(PAIR, 'e1', 'rater_pair', pairing);
    await queuePairAction(PAIR, 'e1', 'rater_pair', pairing); // a double tap adds nothing
    expect(await listOutbox()).toHaveLength(1);
    await replayOutbox({ force: true });
    expect(calls).toEqual([]);
    expect(await getOnsite(PAIR)).toMatchObject({ state: 'queued', kind: 'rater_pair' });
    down = false;
    await replayOutbox({ force: true });
    await replayOutbox({ force: true });
    expect(calls).toEqual([{ method: 'PUT', url: `/api/rater-pairs/${PAIR}`, body: pairing }]);
    expect(await listOutbox()).toHaveLength(0);
    expect(await getOnsite(PAIR)).toMatchObject({ state: 'sent', serverStatus: 'rating' });
  });

  it('sends the same PUT again after an answer lost on the way, and the repeat (200) confirms it', async () => {
    let lost = true;
    const calls = serve(h, (url) => ({ status: lost ? 502 : 200, body: lost ? { code: 'BAD_GATEWAY', message: 'x', details: {} } : { id: url.split('/').pop(), status: 'rating' } }));
    await queuePairAction(PAIR, 'e1', 'rater_pair', pairing);
    await replayOutbox({ force: true });
    expect(await getOnsite(PAIR)).toMatchObject({ state: 'queued' });
    lost = false;
    await replayOutbox({ force: true });
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([`PUT /api/rater-pairs/${PAIR}`, `PUT /api/rater-pairs/${PAIR}`]);
    expect(calls[0]?.body).toEqual(calls[1]?.body);
    expect(await getOnsite(PAIR)).toMatchObject({ state: 'sent' });
  });

  it('never confirms a pairing on an answer naming another pair', async () => {
    serve(h, () => ({ status: 201, body: { id: 'another-pair', status: 'rating' } }));
    await queuePairAction(PAIR, 'e1', 'rater_pair', pairing);
    await replayOutbox({ force: true });
    expect(await getOnsite(PAIR)).toMatchObject({ state: 'blocked', error: { code: 'ONSITE_NOT_CONFIRMED' } });
    expect(await listOutbox()).toHaveLength(1);
  });

  it('lets a refused pairing be discarded with its entry, but never a queued one', async () => {
    let refuse = true;
    const calls = serve(h, () => (refuse ? { status: 409, body: { code: 'IDEMPOTENCY_CONFLICT', message: 'x', details: {} } } : { status: 201, body: { id: PAIR } }));
    await queuePairAction(PAIR, 'e1', 'rater_pair', pairing);
    await expect(discardPairAction(PAIR)).rejects.toThrow();
    await replayOutbox({ force: true });
    expect(await getOnsite(PAIR)).toMatchObject({ state: 'blocked', error: { code: 'IDEMPOTENCY_CONFLICT' } });
    await discardPairAction(PAIR);
    expect(await getOnsite(PAIR)).toBeUndefined();
    expect(await listOutbox()).toHaveLength(0);
    refuse = false;
    await replayOutbox({ force: true });
    expect(calls).toHaveLength(1);
  });
});

describe('the reconciliation through the outbox', () => {
  const h = useHarness();
  const RECON = 'local-reconciliation-1';

  it('goes to /api/rater-pairs/<pair>/reconciliation and is confirmed by the pair id the server answers', async () => {
    let down = true;
    const calls = serve(h, () => ({ status: 200, body: { id: PAIR, status: 'reconciled' } }), () => down);
    await queuePairAction(RECON, 'e1', 'reconciliation', { pair_id: PAIR, items, notes: '一致' });
    await replayOutbox({ force: true });
    expect(calls).toEqual([]);
    down = false;
    await replayOutbox({ force: true });
    await replayOutbox({ force: true });
    expect(calls).toEqual([{ method: 'PUT', url: `/api/rater-pairs/${PAIR}/reconciliation`, body: { items, notes: '一致' } }]);
    expect(await listOutbox()).toHaveLength(0);
    expect(await getOnsite(RECON)).toMatchObject({ state: 'sent', serverStatus: 'reconciled' });
  });

  it('repeats the very same PUT after a cut-off answer (the server answers the stored one)', async () => {
    let answered = 0;
    const calls = serve(h, () => (++answered === 1 ? { status: 503, body: { code: 'UNAVAILABLE', message: 'x', details: {} } } : { status: 200, body: { id: PAIR, status: 'reconciled' } }));
    await queuePairAction(RECON, 'e1', 'reconciliation', { pair_id: PAIR, items, notes: '' });
    await replayOutbox({ force: true });
    await replayOutbox({ force: true });
    expect(calls).toHaveLength(2);
    expect(calls[1]).toEqual(calls[0]);
    expect(await getOnsite(RECON)).toMatchObject({ state: 'sent' });
  });

  it('is not confirmed by an answer naming the entry id or another pair, only by its pair', async () => {
    serve(h, () => ({ status: 200, body: { id: RECON, status: 'reconciled' } }));
    await queuePairAction(RECON, 'e1', 'reconciliation', { pair_id: PAIR, items, notes: '' });
    await replayOutbox({ force: true });
    expect(await getOnsite(RECON)).toMatchObject({ state: 'blocked', error: { code: 'ONSITE_NOT_CONFIRMED' } });
  });

  it('keeps a refused reconciliation for a person, and a new one under the same id replaces it', async () => {
    let refuse = true;
    const calls = serve(h, () => (refuse ? { status: 422, body: { code: 'VALIDATION_ERROR', message: '需要记录讨论', details: { 'items.1.2.discussion': ['x'] } } } : { status: 200, body: { id: PAIR, status: 'reconciled' } }));
    await queuePairAction(RECON, 'e1', 'reconciliation', { pair_id: PAIR, items: { '1.2': { rating: { level: 3 }, discussion: '' } }, notes: '' });
    await replayOutbox({ force: true });
    expect(await getOnsite(RECON)).toMatchObject({ state: 'blocked', error: { code: 'VALIDATION_ERROR' } });
    refuse = false;
    await queuePairAction(RECON, 'e1', 'reconciliation', { pair_id: PAIR, items, notes: '' });
    const entries = await listOutbox();
    expect(entries).toHaveLength(1);
    await replayOutbox({ force: true });
    expect(calls).toHaveLength(2);
    expect(calls[1]?.body).toEqual({ items, notes: '' });
    expect(await getOnsite(RECON)).toMatchObject({ state: 'sent' });
    expect((await listOnsite()).filter((r) => r.kind === 'reconciliation')).toHaveLength(1);
  });
});
