/**
 * `#/surveys` (auditors, team leaders): face-to-face customer-survey answers (issue 5, mode E).
 * The list shows the campaigns of the engagements whose audit team the user is on (kept on the
 * phone for offline use, with each engagement's scheme for the answer labels) and the answers
 * entered on this phone with their sync state. `#/surveys/<campaignId>/new` is one interview:
 * site, every question with the scale's five labelled levels (1 远低于预期 first, the order of the
 * documents and of the visit screen) and 不适用, optional comment and
 * phone (with the public page's consent sentence), the interviewer(s) and the attestation that
 * the client's staff were absent (seed 003). Saving keeps it in IndexedDB and queues it in the
 * outbox (data/surveys.ts); it is sent whenever there is a network.
 */

import { cachedGet } from '../../data/cache';
import {
  discardSurveyAnswer,
  listSurveyAnswers,
  queueSurveyAnswer,
  retrySurveyAnswer,
  type StoredSurveyAnswer,
  type SurveyAnswer,
} from '../../data/surveys';
import { isMessageKey, type MessageKey } from '../../i18n';
import { isoWithOffset, type SurveyValue } from '../../shared/wire';
import { errorText, type App, type Screen } from '../app';
import { packetPath } from '../context';
import { formatDateTime } from '../format';
import { h, replace } from '../h';
import { campaignState, levelsFor, saveProblems, type SurveyProblem } from '../survey-rules';
import { plainError } from '../sync-indicator';
import type { Engagement, EngagementPacket, SurveyCampaign } from '../types';

/** GB/T 27207 mode E: customer survey. */
const CUSTOMER_SURVEY = 'E';

/**
 * The interview being entered, kept while the app runs: a language switch or a look at another
 * tab re-renders the screen, and must not lose the answers given so far (nor change the id).
 * Not kept across a reload: only a saved answer is stored on the phone.
 */
interface Working {
  campaignId: string;
  id: string;
  answers: Record<string, SurveyValue>;
  fields: { site: string; comment: string; phone: string; consent: boolean; second: string; staffAbsent: boolean };
}
let working: Working | null = null;

const campaignsPath = (engagementId: string): string => `/api/survey-campaigns?engagement_id=${engagementId}`;

interface Loaded {
  engagements: Engagement[];
  campaigns: SurveyCampaign[];
}

/** The user's engagements with mode E and their campaigns (server, else the phone's copy). */
async function loadCampaigns(app: App): Promise<Loaded> {
  const all = (await cachedGet<Engagement[]>('/api/engagements')).data;
  const me = app.me?.id;
  const engagements = all.filter(
    (e) => e.modes.includes(CUSTOMER_SURVEY) && (!e.team || e.team.some((m) => m.user_id === me)),
  );
  const lists = await Promise.all(
    engagements.map((e) =>
      cachedGet<SurveyCampaign[]>(campaignsPath(e.id)).then(
        (r) => r.data,
        () => [] as SurveyCampaign[],
      ),
    ),
  );
  return { engagements, campaigns: lists.flat() };
}

export const surveysScreen: Screen = async (app, root, params) => {
  const [campaignId, action] = params;
  if (campaignId && action === 'new') {
    await interviewScreen(app, root, campaignId);
    return;
  }
  replace(root, h('h2', null, app.t('survey.title')), h('p', { class: 'hint' }, app.t('common.loading')));
  let loaded: Loaded;
  try {
    loaded = await loadCampaigns(app);
  } catch {
    replace(root, h('h2', null, app.t('survey.title')), h('p', { class: 'error', role: 'alert', id: 'survey-unavailable' }, app.t('survey.unavailable')));
    return;
  }
  // Keep each engagement's scheme on the phone too (the interview's answer labels, offline)
  // before the list shows: once it shows, an interview can be entered without a network.
  await Promise.all(loaded.engagements.map((e) => cachedGet<EngagementPacket>(packetPath(e.id)).catch(() => undefined)));

  const now = Date.now();
  const campaigns = loaded.campaigns
    .map((c) => ({ c, state: campaignState(c, now) }))
    .sort((a, b) => Number(b.state === 'open') - Number(a.state === 'open') || a.c.closes_at.localeCompare(b.c.closes_at));
  const list = h(
    'ul',
    { class: 'list', id: 'survey-campaigns' },
    campaigns.map(({ c, state }) =>
      h(
        'li',
        { class: 'card stack', 'data-campaign-id': c.id, 'data-state': state },
        h('h3', null, c.title),
        h(
          'p',
          { class: 'muted' },
          app.tf('survey.dates', { opens: formatDateTime(c.opens_at, app.i18n.locale), closes: formatDateTime(c.closes_at, app.i18n.locale) }),
          ' · ',
          app.t(`survey.state.${state}` as MessageKey),
        ),
        state === 'open'
          ? h('a', { class: 'button button--primary button--block', href: `#/surveys/${c.id}/new`, 'data-new-survey': c.id }, app.t('survey.start'))
          : null,
      ),
    ),
  );
  const mine = h('section', { class: 'stack', id: 'survey-answers' });
  const drawMine = async (): Promise<void> => {
    const answers = await listSurveyAnswers();
    const titles = new Map(loaded.campaigns.map((c) => [c.id, c]));
    replace(
      mine,
      answers.length ? h('h3', null, app.tf('survey.mine', { n: answers.length })) : null,
      answers.length
        ? h(
            'ul',
            { class: 'list' },
            answers.map((a) => answerCard(app, a, titles.get(a.campaignId), () => void drawMine())),
          )
        : null,
    );
  };
  await drawMine();
  // States change as the outbox works (sent, blocked): follow them while this screen is shown.
  let last = '';
  app.onSync((s) => {
    const key = `${s.pendingRecords}/${s.blockedRecords}/${s.lastSuccessAt ?? ''}/${s.running}`;
    if (key !== last) {
      last = key;
      void drawMine();
    }
  });
  replace(
    root,
    h('h2', null, app.t('survey.title')),
    campaigns.length ? list : h('p', { class: 'hint', id: 'survey-empty' }, app.t('survey.empty')),
    mine,
  );
};

function answerCard(app: App, a: StoredSurveyAnswer, campaign: SurveyCampaign | undefined, redraw: () => void): HTMLElement {
  const site = campaign?.sites.find((s) => s.site_id === a.siteId);
  const chip = a.state === 'sent' ? 'synced' : a.state === 'blocked' ? 'returned' : 'queued';
  const actions =
    a.state === 'blocked'
      ? h(
          'div',
          { class: 'chips' },
          h('button', {
            type: 'button',
            class: 'button button--small',
            'data-survey-retry': a.id,
            onclick: () => void retrySurveyAnswer(a.id).then(redraw, redraw),
          }, app.t('survey.retry')),
          h('button', {
            type: 'button',
            class: 'button button--small button--quiet',
            'data-survey-discard': a.id,
            onclick: () => {
              if (window.confirm(app.t('survey.discardConfirm'))) void discardSurveyAnswer(a.id).then(redraw, redraw);
            },
          }, app.t('survey.discard')),
        )
      : null;
  return h(
    'li',
    { class: 'card stack', 'data-survey-id': a.id, 'data-state': a.state },
    h('strong', null, campaign?.title ?? a.campaignId),
    h('p', { class: 'muted' }, site?.site_name ?? a.siteId, ' · ', app.tf('survey.conductedAt', { time: formatDateTime(a.conductedAt, app.i18n.locale) })),
    h('span', { class: `chip chip--draft-${chip}`, 'data-survey-state': a.state }, app.t(`survey.answerState.${a.state}` as MessageKey)),
    a.error
      ? h(
          'p',
          { class: a.state === 'blocked' ? 'error' : 'muted', 'data-survey-error-code': a.error.code },
          answerErrorText(app, a.error),
          detailsText(app, a.error.details),
        )
      : null,
    actions,
  );
}

/** What a survey answer's refusal says, by code (the visit wording does not fit an answer). */
const ANSWER_ERRORS: Readonly<Record<string, MessageKey>> = {
  VALIDATION_ERROR: 'survey.error.invalid',
  IDEMPOTENCY_CONFLICT: 'survey.error.conflict',
};

/** Why an answer was not sent, in plain words by its code; the server's message otherwise. */
function answerErrorText(app: App, error: NonNullable<StoredSurveyAnswer['error']>): string {
  const key = ANSWER_ERRORS[error.code] ?? plainError(error.code);
  return key ? app.t(key) : error.message || error.code;
}

/**
 * `VALIDATION_ERROR`'s details name the fields: show them, each field in words with its own
 * name beside it for whoever fixes it on the server ("访问时间（conducted_at）：…").
 */
function detailsText(app: App, details: unknown): string {
  if (typeof details !== 'object' || details === null) return '';
  const parts = Object.entries(details as Record<string, unknown>).map(([field, messages]) => {
    const key = `surveyField.${field.split('.')[0] ?? field}`;
    const name = isMessageKey(key) ? `${app.t(key)} (${field})` : field;
    return `${name}${app.t('review.colon')}${Array.isArray(messages) ? messages.join('; ') : String(messages)}`;
  });
  return parts.length ? ` — ${parts.join('; ')}` : '';
}

async function interviewScreen(app: App, root: HTMLElement, campaignId: string): Promise<void> {
  replace(root, h('h2', null, app.t('survey.title')), h('p', { class: 'hint' }, app.t('common.loading')));
  const me = app.me;
  const loaded = await loadCampaigns(app).catch(() => null);
  const campaign = loaded?.campaigns.find((c) => c.id === campaignId);
  if (!loaded || !campaign || !me) {
    replace(root, h('h2', null, app.t('survey.title')), h('p', { class: 'error', role: 'alert', id: 'survey-missing' }, app.t('survey.missing')));
    return;
  }
  if (campaignState(campaign, Date.now()) !== 'open') {
    replace(root, h('h2', null, campaign.title), h('p', { class: 'error', role: 'alert', id: 'survey-not-open' }, app.t('survey.notOpen')));
    return;
  }
  const engagement = loaded.engagements.find((e) => e.id === campaign.engagement_id);
  const packet = await cachedGet<EngagementPacket>(packetPath(campaign.engagement_id)).then(
    (r) => r.data,
    () => null,
  );
  // The phone's id for this interview: the response id on the server (idempotent replays).
  if (working === null || working.campaignId !== campaign.id) {
    working = {
      campaignId: campaign.id,
      id: crypto.randomUUID(),
      answers: {},
      fields: { site: '', comment: '', phone: '', consent: false, second: '', staffAbsent: false },
    };
  }
  const current = working;
  const { id, answers } = current;
  const en = app.i18n.locale === 'en';

  const progress = h('p', { class: 'muted', id: 'survey-progress' });
  const drawProgress = (): void => {
    const n = campaign.questions.filter((q) => answers[q.item] !== undefined).length;
    progress.dataset['answered'] = String(n);
    progress.textContent = app.tf('survey.progress', { n, total: campaign.questions.length });
  };

  const site = h(
    'select',
    { id: 'survey-site' },
    campaign.sites.length === 1 ? null : h('option', { value: '' }, app.t('survey.chooseSite')),
    campaign.sites.map((s) => h('option', { value: s.site_id }, s.site_name)),
  );

  const questions = campaign.questions.map((q, index) => {
    const block = h('fieldset', { class: 'card item', 'data-question': q.item, 'data-answered': 'none' });
    const levels = levelsFor(packet?.scheme ?? null, q.item);
    const draw = (): void => {
      const chosen = answers[q.item];
      block.dataset['answered'] = chosen === undefined ? 'none' : String(chosen);
      block.dataset['rated'] = chosen === undefined ? 'none' : 'level';
      const choice = (value: SurveyValue, n: string, label: string): HTMLButtonElement =>
        h(
          'button',
          {
            type: 'button',
            class: 'level',
            'data-answer': value,
            'aria-pressed': String(chosen === value),
            onclick: () => {
              answers[q.item] = value;
              draw();
              drawProgress();
              recheck();
            },
          },
          h('span', { class: 'level__n' }, n),
          h('span', null, label),
        );
      replace(
        block,
        h('legend', { class: 'item__title' }, `${index + 1}. ${en && q.en ? q.en : q.zh}`),
        h(
          'div',
          { class: 'levels' },
          levels.map((l) => choice(l.level, String(l.level), app.text(l.label))),
          choice('na', '–', app.t('survey.na')),
        ),
      );
    };
    draw();
    return block;
  });
  drawProgress();

  const comment = h('textarea', { id: 'survey-comment', rows: 3, maxlength: 500 });
  const phone = h('input', { type: 'text', id: 'survey-phone', inputmode: 'tel', autocomplete: 'off', maxlength: 20 });
  const consent = h('input', { type: 'checkbox', id: 'survey-consent' });
  const team = (engagement?.team ?? []).filter((m) => m.user_id !== me.id);
  const second = h(
    'select',
    { id: 'survey-second-interviewer' },
    h('option', { value: '' }, app.t('survey.noSecond')),
    team.map((m) => h('option', { value: m.user_id }, m.display_name)),
  );
  const staffAbsent = h('input', { type: 'checkbox', id: 'survey-staff-absent', required: true });
  const errors = h('ul', { id: 'survey-errors', class: 'error', role: 'alert', hidden: true });
  const save = h('button', { type: 'button', id: 'survey-save', class: 'button button--primary button--block' }, app.t('survey.save'));

  const problemText = (p: SurveyProblem): string => {
    switch (p.kind) {
      case 'site':
        return app.t('survey.problem.site');
      case 'unanswered':
        return app.tf('survey.problem.unanswered', { n: p.items.length, items: p.items.join(', ') });
      case 'absent':
        return app.t('survey.problem.absent');
      case 'consent':
        return app.t('survey.problem.consent');
    }
  };

  const problemsNow = (): SurveyProblem[] =>
    saveProblems({
      siteId: site.value,
      questions: campaign.questions,
      answers,
      staffAbsent: staffAbsent.checked,
      phone: phone.value,
      consent: consent.checked,
    });
  const showProblems = (problems: SurveyProblem[]): void => {
    errors.hidden = problems.length === 0;
    replace(errors, problems.map((p) => h('li', { 'data-problem': p.kind }, problemText(p))));
  };
  /**
   * Once problems are shown, each disappears as soon as it is put right (ticking the consent,
   * answering the last question), instead of staying red until the next tap on save.
   */
  const recheck = (): void => {
    if (!errors.hidden) showProblems(problemsNow());
  };

  save.addEventListener('click', () => {
    const problems = problemsNow();
    if (problems.length) {
      showProblems(problems);
      errors.scrollIntoView({ block: 'center' });
      return;
    }
    const answer: SurveyAnswer = {
      id,
      campaignId: campaign.id,
      siteId: site.value,
      answers: { ...answers },
      comment: comment.value.trim(),
      interviewerIds: second.value ? [me.id, second.value] : [me.id],
      staffAbsent: true,
      // When the answers were recorded (the server checks it lies within the campaign's dates).
      conductedAt: isoWithOffset(new Date()),
      phone: consent.checked ? phone.value.trim() : '',
      consent: consent.checked && phone.value.trim() !== '',
    };
    save.disabled = true;
    queueSurveyAnswer(answer).then(
      () => {
        working = null;
        app.navigate('#/surveys');
      },
      (error: unknown) => {
        save.disabled = false;
        errors.hidden = false;
        replace(errors, h('li', { 'data-problem': 'storage' }, `${app.t('storage.failed')} ${errorText(error)}`));
      },
    );
  });

  // Put back what was entered before a re-render, and remember every change.
  const f = current.fields;
  if (f.site !== '') site.value = f.site;
  comment.value = f.comment;
  phone.value = f.phone;
  consent.checked = f.consent;
  second.value = f.second;
  staffAbsent.checked = f.staffAbsent;
  const remember = (): void => {
    current.fields = {
      site: site.value,
      comment: comment.value,
      phone: phone.value,
      consent: consent.checked,
      second: second.value,
      staffAbsent: staffAbsent.checked,
    };
  };
  root.addEventListener('input', remember);
  root.addEventListener('change', remember);
  root.addEventListener('input', () => recheck());
  root.addEventListener('change', () => recheck());

  root.dataset['surveyId'] = id;
  root.dataset['campaignId'] = campaign.id;
  replace(
    root,
    h('h2', null, campaign.title),
    campaign.instructions ? h('p', { class: 'hint' }, campaign.instructions) : null,
    h('label', { class: 'field' }, h('span', null, app.t('survey.site')), site),
    progress,
    questions,
    h(
      'section',
      { class: 'card stack' },
      h('label', { class: 'field' }, h('span', null, app.t('survey.comment')), comment),
      h('label', { class: 'field' }, h('span', null, app.t('survey.phone')), phone),
      h('label', { class: 'inline-field check' }, consent, h('span', { id: 'survey-consent-text' }, app.tf('survey.consent', { days: campaign.contact_retention_days }))),
    ),
    h(
      'section',
      { class: 'card stack' },
      h('p', { id: 'survey-interviewer', 'data-user-id': me.id }, app.tf('survey.interviewer', { name: me.display_name })),
      h('label', { class: 'field' }, h('span', null, app.t('survey.secondInterviewer')), second),
      h('label', { class: 'inline-field check' }, staffAbsent, h('span', null, app.t('survey.staffAbsent'))),
    ),
    errors,
    save,
    h('p', { class: 'hint' }, app.t('survey.saved')),
  );
}
