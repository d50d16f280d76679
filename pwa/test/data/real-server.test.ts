/**
 * The outbox against the REAL server (a child process, see live-server.ts): the request shapes,
 * CSRF and cookies, the evidence hash check and the server's own idempotency, with answers
 * lost after the server applied the request. The fake server in the other tests covers the
 * rarer answers; this one proves the two agree with the real thing.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { apiFetch } from '../../src/data/api';
import { cachedGet } from '../../src/data/cache';
import { getDraft, newDraft, saveDraft } from '../../src/data/drafts';
import { listOutbox, resubmitVisit, submitVisit } from '../../src/data/outbox';
import { storePhoto } from '../../src/data/photo-store';
import { replayOutbox } from '../../src/data/replay';
import { refreshReturned } from '../../src/data/returned';
import { login } from '../../src/data/session';
import { getSurveyAnswer, queueSurveyAnswer, type SurveyAnswer } from '../../src/data/surveys';
import type { VisitDraft } from '../../src/data/types';
import { useHarness } from './harness';
import { startLiveServer, type LiveServer } from './live-server';

useHarness();

const nodeFetch = globalThis.fetch;
let live: LiveServer;

beforeAll(async () => {
  live = await startLiveServer();
}, 120_000);

afterAll(async () => {
  await live?.stop();
});

/** A browser stand-in: a cookie jar, relative URLs, and answers that can be lost. */
function browser(): { fetch: typeof fetch; loseAnswerOf: (re: RegExp) => void; lost: string[] } {
  const jar = new Map<string, string>();
  const pending: RegExp[] = [];
  const lost: string[] = [];
  const f = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const headers = { ...(init.headers as Record<string, string>) };
    if (jar.size > 0) headers['Cookie'] = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const response = await nodeFetch(live.base + String(input), { ...init, headers });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = ''] = cookie.split(';');
      const at = pair.indexOf('=');
      jar.set(pair.slice(0, at), pair.slice(at + 1));
    }
    const key = `${init.method ?? 'GET'} ${String(input)}`;
    const i = pending.findIndex((re) => re.test(key));
    if (i >= 0) {
      pending.splice(i, 1);
      await response.arrayBuffer();
      lost.push(key);
      throw new TypeError(`the connection dropped before the answer to ${key} arrived`);
    }
    return response;
  };
  return { fetch: f as typeof fetch, loseAnswerOf: (re) => pending.push(re), lost };
}

interface Assignment {
  id: string;
  mode: string;
  engagement: { id: string };
  site: { id: string; location: { latitude: number; longitude: number } };
  scheme: { items: { code: string }[] };
}

/** A real JPEG (8×8 grey baseline), so the server's image pipeline accepts it. */
const TINY_JPEG = Uint8Array.from(
  atob(
    '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/wAALCAAIAAgBAREA/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/9oACAEBAAA/APn+iiigD//Z',
  ),
  (c) => c.charCodeAt(0),
);

describe('the outbox against the real server', () => {
  it('a visit whose answers are lost arrives exactly once, photos byte-identical; returned, corrected, resubmitted', async () => {
    const phone = browser();
    vi.stubGlobal('fetch', phone.fetch);
    const me = await login('shopper@demo.fieldcert.cn', 'demo-shopper-2026');
    expect(me.role).toBe('shopper');
    const { data: assignments } = await cachedGet<Assignment[]>('/api/me/assignments');
    const a = assignments[0] as Assignment;
    const draft = await newDraft({ engagementId: a.engagement.id, siteId: a.site.id, assignmentId: a.id, mode: a.mode });
    const { latitude, longitude } = a.site.location;
    const fix = { latitude, longitude, accuracy_m: 9.5, captured_at: '2026-11-21T18:01:00.000+08:00' };
    const blob = new Blob([TINY_JPEG], { type: 'image/jpeg' });
    const photo = await storePhoto(
      { blob, width: 8, height: 8, originalSize: blob.size, fileName: '门店外观.jpg' },
      { evaluationId: draft.id, item: a.scheme.items[0]?.code ?? null, fix },
    );
    const ratings: VisitDraft['ratings'] = {};
    for (const item of a.scheme.items) ratings[item.code] = { level: 4 };
    const alphaItem = a.scheme.items[1]?.code ?? '';
    ratings[alphaItem] = { alpha: 0.75 };
    await saveDraft({
      ...((await getDraft(draft.id)) as VisitDraft),
      ratings,
      notes: '服务热情',
      startedAt: '2026-11-21T18:00:00.000+08:00',
      endedAt: '2026-11-21T18:30:00.000+08:00',
      gpsFixes: [fix],
    });
    await submitVisit(draft.id);

    // The upload and the create both reach the server, and both answers are lost.
    phone.loseAnswerOf(/^PUT \/api\/evidence\//);
    expect(await replayOutbox({ force: true })).toMatchObject({ stoppedBy: 'retry', sent: 0 });
    phone.loseAnswerOf(/^PUT \/api\/evaluations\//);
    expect(await replayOutbox({ force: true })).toMatchObject({ stoppedBy: 'retry', sent: 1 });
    expect(await replayOutbox({ force: true })).toMatchObject({ stoppedBy: null, sent: 1, error: null });
    expect(phone.lost).toHaveLength(2);
    expect(await listOutbox()).toEqual([]);

    const mine = (await apiFetch<{ evaluations: { id: string }[]; evidence: { id: string; sha256: string }[] }>('GET', '/api/sync/mine')).data;
    expect(mine.evaluations.map((e) => e.id)).toEqual([draft.id]);
    expect(mine.evidence).toEqual([expect.objectContaining({ id: photo.id, sha256: photo.sha256 })]);
    const original = (await apiFetch<Blob>('GET', `/api/evidence/${photo.id}/original`)).data;
    expect(createHash('sha256').update(new Uint8Array(await original.arrayBuffer())).digest('hex')).toBe(photo.sha256);
    const evaluation = (await apiFetch<{ status: string; version: number; content: { ratings: Record<string, unknown>; evidence: unknown[] } }>('GET', `/api/evaluations/${draft.id}`)).data;
    expect(evaluation).toMatchObject({ status: 'submitted', version: 1 });
    expect(evaluation.content.evidence).toEqual([{ evidence_id: photo.id, item: a.scheme.items[0]?.code }]);
    expect(await getDraft(draft.id)).toMatchObject({ status: 'synced', serverVersion: 1, serverStatus: 'submitted' });

    // The team leader returns it, with a comment.
    const leader = browser();
    const t0 = (await (await leader.fetch('/api/auth/csrf')).json()) as { csrf_token: string };
    const signedIn = await leader.fetch('/api/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': t0.csrf_token },
      body: JSON.stringify({ email: 'team-leader@demo.fieldcert.cn', password: 'demo-team-leader-2026' }),
    });
    const t1 = (await signedIn.json()) as { csrf_token: string };
    const review = await leader.fetch(`/api/evaluations/${draft.id}/review`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': t1.csrf_token, 'If-Match': '"v1"' },
      body: JSON.stringify({ action: 'return', comment: '请补充说明' }),
    });
    expect(review.status).toBe(200);

    // The shopper's phone learns it, corrects and resubmits; the PATCH's answer is lost once.
    expect(await refreshReturned()).toEqual([draft.id]);
    const returned = (await getDraft(draft.id)) as VisitDraft;
    expect(returned).toMatchObject({ status: 'returned', serverVersion: 1, returnComment: '请补充说明' });
    // α comes back from the server as decimal text; the phone keeps it a number.
    expect(returned.ratings[alphaItem]).toEqual({ alpha: 0.75 });
    await saveDraft({ ...returned, notes: '服务热情，已补充说明' });
    await resubmitVisit(draft.id);
    phone.loseAnswerOf(/^PATCH \/api\/evaluations\//);
    expect(await replayOutbox({ force: true })).toMatchObject({ stoppedBy: 'retry' });
    // Same If-Match "v1" again: the server recognises its own edit.
    expect(await replayOutbox({ force: true })).toMatchObject({ stoppedBy: null, sent: 1 });
    const after = (await apiFetch<{ status: string; version: number; content: { notes: string } }>('GET', `/api/evaluations/${draft.id}`)).data;
    expect(after).toMatchObject({ status: 'submitted', version: 2, content: { notes: '服务热情，已补充说明' } });
    const versions = (await apiFetch<unknown[]>('GET', `/api/evaluations/${draft.id}/versions`)).data;
    expect(versions).toHaveLength(2);
    expect(await getDraft(draft.id)).toMatchObject({ status: 'synced', serverVersion: 2 });
  }, 60_000);

  it('a second record of an assignment already submitted is refused (409 ASSIGNMENT_ALREADY_RECORDED) and kept unsent under its own id', async () => {
    const phone = browser();
    vi.stubGlobal('fetch', phone.fetch);
    await login('shopper@demo.fieldcert.cn', 'demo-shopper-2026');
    const { data: assignments } = await cachedGet<Assignment[]>('/api/me/assignments');
    const a = assignments[0] as Assignment;
    const mine = (await apiFetch<{ evaluations: { id: string; version: number; status: string }[] }>('GET', '/api/sync/mine')).data;
    const recorded = mine.evaluations[0];
    expect(recorded).toMatchObject({ status: 'submitted' });
    // Another phone (or this one, storage cleared) records the same assignment under a new id.
    const again = await newDraft({ engagementId: a.engagement.id, siteId: a.site.id, assignmentId: a.id, mode: a.mode });
    await saveDraft({ ...again, ratings: { [a.scheme.items[0]?.code ?? '']: { level: 3 } } });
    await submitVisit(again.id);
    const result = await replayOutbox({ force: true });
    // The server's record is submitted already: that visit counts, this one needs a person.
    expect(result).toMatchObject({ stoppedBy: null, error: { code: 'ASSIGNMENT_ALREADY_RECORDED', status: 409 } });
    const kept = (await getDraft(again.id)) as VisitDraft;
    expect(kept.id).toBe(again.id);
    expect(kept.syncError).toMatchObject({ code: 'ASSIGNMENT_ALREADY_RECORDED', details: { evaluation_id: recorded?.id, evaluation_status: 'submitted' } });
    const [create] = await listOutbox();
    expect(create).toMatchObject({ kind: 'create', draftId: again.id, state: 'blocked' });
    const after = (await apiFetch<{ evaluations: { id: string; version: number }[] }>('GET', '/api/sync/mine')).data;
    expect(after.evaluations).toEqual(mine.evaluations);
  }, 60_000);

  it('face-to-face survey answers: a lost answer replayed makes one record; 409 and 422 block', async () => {
    const phone = browser();
    vi.stubGlobal('fetch', phone.fetch);
    const me = await login('auditor@demo.fieldcert.cn', 'demo-auditor-2026');
    const { data: engagements } = await cachedGet<{ id: string; modes: string[] }[]>('/api/engagements');
    const engagement = engagements.find((e) => e.modes.includes('E'));
    expect(engagement).toBeDefined();
    type Campaign = { id: string; questions: { item: string }[]; sites: { site_id: string }[] };
    const { data: campaigns } = await cachedGet<Campaign[]>(`/api/survey-campaigns?engagement_id=${engagement?.id}`);
    const campaign = campaigns[0] as Campaign;
    const answers: SurveyAnswer['answers'] = {};
    for (const q of campaign.questions) answers[q.item] = 4;
    const base = (over: Partial<SurveyAnswer> = {}): SurveyAnswer => ({
      id: crypto.randomUUID(),
      campaignId: campaign.id,
      siteId: campaign.sites[0]?.site_id ?? '',
      answers,
      comment: '面访',
      interviewerIds: [me.id],
      staffAbsent: true,
      conductedAt: new Date(Date.now() - 60_000).toISOString(),
      phone: '',
      consent: false,
      ...over,
    });
    const listed = async (): Promise<{ id: string; channel: string; staff_absent: boolean; interviewer_ids: string[] }[]> =>
      (await apiFetch<{ id: string; channel: string; staff_absent: boolean; interviewer_ids: string[] }[]>('GET', `/api/survey-campaigns/${campaign.id}/responses`)).data.filter(
        (r) => r.channel === 'offline',
      );
    const before = (await listed()).length;

    // Stored by the server, its 201 lost: the replay gets 200 and confirms; one record.
    const a = base();
    await queueSurveyAnswer(a);
    phone.loseAnswerOf(/^PUT \/api\/survey-responses\//);
    expect(await replayOutbox({ force: true })).toMatchObject({ stoppedBy: 'retry', sent: 0 });
    expect(await replayOutbox({ force: true })).toMatchObject({ stoppedBy: null, sent: 1, error: null });
    expect(await getSurveyAnswer(a.id)).toMatchObject({ state: 'sent' });
    const after = await listed();
    expect(after).toHaveLength(before + 1);
    expect(after.find((r) => r.id === a.id)).toMatchObject({ channel: 'offline', staff_absent: true, interviewer_ids: [me.id] });

    // Another content under an id the server already holds: 409, kept for a person.
    const b = base();
    await apiFetch('PUT', `/api/survey-responses/${b.id}`, {
      json: { campaign_id: b.campaignId, site_id: b.siteId, answers: { [campaign.questions[0]?.item ?? '']: 1 }, interviewer_ids: [me.id], staff_absent: true, conducted_at: b.conductedAt },
    });
    await queueSurveyAnswer(b);
    // An answer to an item the campaign does not ask: 422 naming the field.
    const c = base({ answers: { ...answers, 'zz.9': 3 } });
    await queueSurveyAnswer(c);
    await replayOutbox({ force: true });
    expect(await getSurveyAnswer(b.id)).toMatchObject({ state: 'blocked', error: { code: 'IDEMPOTENCY_CONFLICT', status: 409 } });
    const refused = await getSurveyAnswer(c.id);
    expect(refused).toMatchObject({ state: 'blocked', error: { code: 'VALIDATION_ERROR', status: 422 } });
    expect(JSON.stringify(refused?.error?.details)).toContain('zz.9');
    expect((await listOutbox()).map((e) => [e.draftId, e.state])).toEqual([
      [b.id, 'blocked'],
      [c.id, 'blocked'],
    ]);
    expect(await listed()).toHaveLength(before + 2); // a, and the other content stored under b's id
  }, 60_000);
});
