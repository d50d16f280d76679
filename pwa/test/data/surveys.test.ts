import { describe, expect, it, vi } from 'vitest';
import { MIGRATIONS, database, openDatabase, transact } from '../../src/data/db';
import { listOutbox, pendingCounts, submitVisit } from '../../src/data/outbox';
import { replayOutbox } from '../../src/data/replay';
import {
  SurveyError,
  discardSurveyAnswer,
  getSurveyAnswer,
  listSurveyAnswers,
  queueSurveyAnswer,
  retrySurveyAnswer,
  type SurveyAnswer,
} from '../../src/data/surveys';
import { recordedVisit, useHarness } from './harness';

const h = useHarness();

const CAMPAIGN = '44444444-4444-4444-8444-444444444444';
const SITE = '22222222-2222-4222-8222-222222222222';
const AUDITOR = '55555555-5555-4555-8555-555555555555';
const SECOND = '66666666-6666-4666-8666-666666666666';

function answer(over: Partial<SurveyAnswer> = {}): SurveyAnswer {
  return {
    id: crypto.randomUUID(),
    campaignId: CAMPAIGN,
    siteId: SITE,
    answers: { '1.1': 4, '1.2': 5, '2.1': 'na' },
    comment: ' 服务很好 ',
    interviewerIds: [AUDITOR, SECOND],
    staffAbsent: true,
    conductedAt: '2026-12-03T10:20:00.000+08:00',
    phone: '',
    consent: false,
    ...over,
  };
}

describe('saving a face-to-face answer', () => {
  it('keeps the answer and its outbox entry before anything is sent, counted as a pending record', async () => {
    const server = h.server();
    server.offline = true;
    const a = answer();
    await queueSurveyAnswer(a);
    expect(await getSurveyAnswer(a.id)).toMatchObject({ id: a.id, state: 'queued', error: null, sentAt: null, answers: a.answers });
    const outbox = await listOutbox();
    expect(outbox).toHaveLength(1);
    expect(outbox[0]).toMatchObject({
      kind: 'survey',
      draftId: a.id,
      state: 'pending',
      body: {
        campaign_id: CAMPAIGN,
        site_id: SITE,
        answers: { '1.1': 4, '1.2': 5, '2.1': 'na' },
        comment: '服务很好',
        interviewer_ids: [AUDITOR, SECOND],
        staff_absent: true,
        conducted_at: '2026-12-03T10:20:00.000+08:00',
        phone: '',
        consent: false,
      },
    });
    expect(await pendingCounts()).toEqual({ records: 1, photos: 0, blocked: 0 });

    // Offline: the run stops, nothing is lost, the queued answer shows why it waits.
    expect(await replayOutbox({ force: true })).toMatchObject({ stoppedBy: 'retry', error: { code: 'NETWORK' } });
    expect(await listOutbox()).toHaveLength(1);
    expect((await listSurveyAnswers())[0]).toMatchObject({ state: 'queued', error: { code: 'NETWORK' } });
    expect(server.surveyResponses.size).toBe(0);
  });

  it('refuses an answer without the attestation or a consented phone, writing nothing', async () => {
    await expect(queueSurveyAnswer(answer({ staffAbsent: false }))).rejects.toBeInstanceOf(SurveyError);
    await expect(queueSurveyAnswer(answer({ phone: '13800138000', consent: false }))).rejects.toMatchObject({ code: 'INCOMPLETE' });
    await expect(queueSurveyAnswer(answer({ interviewerIds: [] }))).rejects.toMatchObject({ code: 'INCOMPLETE' });
    expect(await listOutbox()).toEqual([]);
    expect(await listSurveyAnswers()).toEqual([]);
  });

  it('saves an id once', async () => {
    const a = answer();
    await queueSurveyAnswer(a);
    await expect(queueSurveyAnswer(a)).rejects.toMatchObject({ code: 'ALREADY_SAVED' });
    expect(await listOutbox()).toHaveLength(1);
  });

  it('sends the phone number only with the consent', async () => {
    const a = answer({ phone: ' 13800138000 ', consent: true });
    await queueSurveyAnswer(a);
    expect((await listOutbox())[0]?.body).toMatchObject({ phone: '13800138000', consent: true });
  });
});

describe('replaying survey answers', () => {
  it('sends the PUT under the phone id, then marks it sent and drops the entry', async () => {
    const a = answer();
    await queueSurveyAnswer(a);
    expect(await replayOutbox()).toMatchObject({ ran: true, sent: 1, stoppedBy: null });
    const server = h.server();
    expect(server.log.filter((l) => !l.includes('csrf'))).toEqual([`PUT /api/survey-responses/${a.id}`]);
    expect(server.surveyResponses.get(a.id)?.body).toMatchObject({ staff_absent: true, interviewer_ids: [AUDITOR, SECOND] });
    expect(await listOutbox()).toEqual([]);
    expect(await getSurveyAnswer(a.id)).toMatchObject({ state: 'sent', error: null });
    expect((await getSurveyAnswer(a.id))?.sentAt).not.toBeNull();
    expect(await pendingCounts()).toEqual({ records: 0, photos: 0, blocked: 0 });
  });

  it('replayed twice (the answer was lost the first time) makes one server record', async () => {
    const server = h.server();
    const a = answer();
    await queueSurveyAnswer(a);
    // The server stores it, the connection drops before the phone hears 201.
    server.failNext(/survey-responses/, 'lost');
    expect(await replayOutbox({ force: true })).toMatchObject({ stoppedBy: 'retry' });
    expect(server.surveyResponses.size).toBe(1);
    expect(await getSurveyAnswer(a.id)).toMatchObject({ state: 'queued' });
    expect(await listOutbox()).toHaveLength(1);
    // The replay gets 200 (same content) and confirms it.
    expect(await replayOutbox({ force: true })).toMatchObject({ sent: 1, stoppedBy: null });
    expect(server.surveyResponses.size).toBe(1);
    expect(server.log.filter((l) => l.startsWith('PUT'))).toEqual([`PUT /api/survey-responses/${a.id}`, `PUT /api/survey-responses/${a.id}`]);
    expect(await getSurveyAnswer(a.id)).toMatchObject({ state: 'sent' });
  });

  it('goes in order with the visits, through the same outbox', async () => {
    const visit = await recordedVisit(1);
    await submitVisit(visit.id);
    const a = answer();
    await queueSurveyAnswer(a);
    expect(await pendingCounts()).toEqual({ records: 2, photos: 1, blocked: 0 });
    await replayOutbox();
    expect(h.server().log.filter((l) => l.startsWith('PUT'))).toEqual([
      `PUT /api/evidence/${visit.photos[0]?.photoId}`,
      `PUT /api/evaluations/${visit.id}`,
      `PUT /api/survey-responses/${a.id}`,
    ]);
  });

  it('409 IDEMPOTENCY_CONFLICT blocks the answer with the code; other entries go on', async () => {
    const server = h.server();
    const a = answer();
    // The server holds other content under this id.
    server.surveyResponses.set(a.id, { id: a.id, body: { other: true }, contentHash: 'x', channel: 'offline' });
    await queueSurveyAnswer(a);
    const b = answer();
    await queueSurveyAnswer(b);
    const result = await replayOutbox();
    expect(result).toMatchObject({ sent: 1, stoppedBy: null, error: { code: 'IDEMPOTENCY_CONFLICT', status: 409 } });
    expect(await getSurveyAnswer(a.id)).toMatchObject({ state: 'blocked', error: { code: 'IDEMPOTENCY_CONFLICT', status: 409 } });
    expect(await getSurveyAnswer(b.id)).toMatchObject({ state: 'sent' });
    // Kept, not deleted: the blocked entry still counts, as blocked.
    expect(await pendingCounts()).toEqual({ records: 1, photos: 0, blocked: 1 });
    // Blocked entries are not retried by later runs.
    const before = server.log.length;
    await replayOutbox({ force: true });
    expect(server.log.slice(before).filter((l) => l.startsWith('PUT'))).toEqual([]);
  });

  it('422 blocks it with the field named; sent again after a retry when the server accepts it', async () => {
    const server = h.server();
    const a = answer({ answers: { '9.9': 3 } });
    await queueSurveyAnswer(a);
    await replayOutbox();
    const blocked = await getSurveyAnswer(a.id);
    expect(blocked).toMatchObject({ state: 'blocked', error: { code: 'VALIDATION_ERROR', status: 422, details: { 'answers.9.9': ['not a question of this campaign'] } } });
    expect(server.surveyResponses.size).toBe(0);
    // The campaign's questionnaire is corrected on the server: send it again, unchanged.
    server.surveyItems.add('9.9');
    await retrySurveyAnswer(a.id);
    expect(await getSurveyAnswer(a.id)).toMatchObject({ state: 'queued', error: null });
    await replayOutbox({ force: true });
    expect(await getSurveyAnswer(a.id)).toMatchObject({ state: 'sent' });
    expect(server.surveyResponses.size).toBe(1);
  });

  it('a refused answer can be discarded; a queued one cannot', async () => {
    const server = h.server();
    const a = answer({ answers: { '9.9': 3 } });
    await queueSurveyAnswer(a);
    server.offline = true;
    await expect(discardSurveyAnswer(a.id)).rejects.toMatchObject({ code: 'NOT_BLOCKED' });
    server.offline = false;
    await replayOutbox({ force: true });
    await discardSurveyAnswer(a.id);
    expect(await listSurveyAnswers()).toEqual([]);
    expect(await listOutbox()).toEqual([]);
  });

  it('never marks an answer sent on a reply that does not confirm it', async () => {
    const server = h.server();
    const a = answer();
    await queueSurveyAnswer(a);
    const real = server.fetch;
    // A reply naming another id (a misrouted proxy answer, say) must not confirm this one.
    vi.stubGlobal('fetch', async (input: RequestInfo | URL, init?: RequestInit) =>
      String(input).includes('survey-responses')
        ? new Response(JSON.stringify({ id: crypto.randomUUID(), channel: 'offline' }), { status: 201, headers: { 'Content-Type': 'application/json' } })
        : real(input, init),
    );
    await replayOutbox();
    expect(await getSurveyAnswer(a.id)).toMatchObject({ state: 'blocked', error: { code: 'SURVEY_NOT_CONFIRMED' } });
    expect(await listOutbox()).toHaveLength(1);
  });
});

describe('the v2 upgrade', () => {
  it('adds the surveys store to a v1 database and keeps its drafts and outbox', async () => {
    const name = 'survey-upgrade';
    const v1 = await openDatabase(name, MIGRATIONS.slice(0, 1));
    await new Promise<void>((resolve, reject) => {
      const tx = v1.transaction(['drafts', 'outbox'], 'readwrite');
      tx.objectStore('drafts').put({ id: 'd1', assignmentId: null, status: 'queued' });
      tx.objectStore('outbox').put({ kind: 'create', draftId: 'd1', state: 'pending' });
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
    });
    v1.close();
    const v2 = await openDatabase(name, MIGRATIONS.slice(0, 2));
    expect(v2.version).toBe(2);
    expect([...v2.objectStoreNames].sort()).toEqual(['cache', 'drafts', 'meta', 'outbox', 'photos', 'surveys']);
    const tx = v2.transaction(['drafts', 'outbox', 'surveys']);
    expect(tx.objectStore('surveys').keyPath).toBe('id');
    expect([...tx.objectStore('surveys').indexNames]).toEqual(['campaignId']);
    const [drafts, outbox] = await Promise.all(
      ['drafts', 'outbox'].map(
        (s) =>
          new Promise<unknown[]>((resolve) => {
            const r = tx.objectStore(s).getAll();
            r.onsuccess = () => resolve(r.result);
          }),
      ),
    );
    expect(drafts).toEqual([{ id: 'd1', assignmentId: null, status: 'queued' }]);
    expect(outbox).toEqual([{ seq: 1, kind: 'create', draftId: 'd1', state: 'pending' }]);
    v2.close();
  });

  it('the app opens (v2 or later) with the surveys store', async () => {
    const db = await database();
    expect(db.version).toBeGreaterThanOrEqual(2);
    expect(await transact(['surveys'], 'readonly', (tx) => tx.count('surveys'))).toBe(0);
  });
});
