/**
 * Face-to-face customer-survey answers (mode E, issue 5; docs/surveys.md "Face-to-face answers"),
 * entered by auditors in the field, offline first. Saving keeps the answer (store 'surveys') and
 * queues its `PUT /api/survey-responses/<id>` in the SAME outbox as the visits, in one
 * transaction (STYLE.md "The outbox pattern"): data/replay.ts sends it in order, idempotently by
 * the phone's UUID, and marks it sent only when the server confirmed it. Worker-safe.
 */
import { surveyBody } from '../shared/wire';
import { transact } from './db';
import { announceChange } from './events';
import { allEntries, enqueue, enqueued, entriesOf, removeAllOf, unblock } from './outbox-store';
import type { StoredSurveyAnswer, SurveyAnswer, SyncError } from './types';

export type { StoredSurveyAnswer, SurveyAnswer };

/** Why an answer cannot be saved or changed (nothing was written). */
export class SurveyError extends Error {
  readonly code: 'INCOMPLETE' | 'ALREADY_SAVED' | 'NO_ANSWER' | 'NOT_BLOCKED';
  constructor(code: SurveyError['code'], message: string) {
    super(message);
    this.name = 'SurveyError';
    this.code = code;
  }
}

/**
 * Keep the answer and queue it, in one IndexedDB transaction; resolves once both are stored.
 * The server's own rules (attestation, one or two interviewers, answers) are checked here too,
 * so an answer the server must refuse is not queued at all.
 */
export async function queueSurveyAnswer(a: SurveyAnswer): Promise<void> {
  if (!a.staffAbsent) throw new SurveyError('INCOMPLETE', 'The client staff absent attestation is required');
  if (a.interviewerIds.length < 1 || a.interviewerIds.length > 2) {
    throw new SurveyError('INCOMPLETE', 'One or two interviewers');
  }
  if (Object.keys(a.answers).length === 0) throw new SurveyError('INCOMPLETE', 'No answers');
  if (a.phone.trim() !== '' && !a.consent) throw new SurveyError('INCOMPLETE', 'A phone number needs the consent');
  await transact(['surveys', 'outbox', 'meta'], 'readwrite', async (tx) => {
    if ((await tx.get('surveys', a.id)) !== undefined) {
      throw new SurveyError('ALREADY_SAVED', `Survey answer ${a.id} is already saved`);
    }
    const stored: StoredSurveyAnswer = {
      ...a,
      answers: { ...a.answers },
      interviewerIds: [...a.interviewerIds],
      state: 'queued',
      error: null,
      savedAt: new Date().toISOString(),
      sentAt: null,
    };
    await tx.put('surveys', stored);
    await enqueue(tx, { kind: 'survey', draftId: a.id, body: surveyBody(a) });
  });
  enqueued();
}

/**
 * Every answer on this phone, newest interview first, with its sync state. A queued answer's
 * `error` is the last transient failure (no network, server down), if any.
 */
export async function listSurveyAnswers(): Promise<StoredSurveyAnswer[]> {
  const { answers, outbox } = await transact(['surveys', 'outbox'], 'readonly', async (tx) => ({
    answers: await tx.getAll('surveys'),
    outbox: await allEntries(tx),
  }));
  const lastErrors = new Map<string, SyncError | null>();
  for (const e of outbox) if (e.kind === 'survey') lastErrors.set(e.draftId, e.lastError);
  return answers
    .map((a) => (a.state === 'queued' && a.error === null ? { ...a, error: lastErrors.get(a.id) ?? null } : a))
    .sort((x, y) => y.conductedAt.localeCompare(x.conductedAt));
}

export async function getSurveyAnswer(id: string): Promise<StoredSurveyAnswer | undefined> {
  return transact(['surveys'], 'readonly', (tx) => tx.get('surveys', id));
}

/**
 * Send a blocked answer again, unchanged (after the auditor was added to the team, say, or the
 * campaign's dates were corrected on the server). Same id, same body: still idempotent.
 */
export async function retrySurveyAnswer(id: string): Promise<void> {
  await transact(['surveys', 'outbox'], 'readwrite', async (tx) => {
    const answer = await tx.get('surveys', id);
    if (answer === undefined) throw new SurveyError('NO_ANSWER', `No survey answer ${id} on this phone`);
    if (answer.state !== 'blocked') throw new SurveyError('NOT_BLOCKED', 'Only a refused answer can be sent again');
    for (const e of await entriesOf(tx, id)) await unblock(tx, e, { resetAttempts: true });
    await tx.put('surveys', { ...answer, state: 'queued', error: null });
  });
  enqueued();
}

/**
 * Drop an answer the server refused (the auditor decided it cannot be sent: a conflict, dates
 * outside the campaign). Only blocked ones: a queued answer is never deleted unconfirmed, and a
 * sent one stays listed.
 */
export async function discardSurveyAnswer(id: string): Promise<void> {
  await transact(['surveys', 'outbox'], 'readwrite', async (tx) => {
    const answer = await tx.get('surveys', id);
    if (answer === undefined) throw new SurveyError('NO_ANSWER', `No survey answer ${id} on this phone`);
    if (answer.state !== 'blocked') throw new SurveyError('NOT_BLOCKED', 'Only a refused answer can be discarded');
    await removeAllOf(tx, id);
    await tx.delete('surveys', id);
  });
  announceChange('discarded');
}
