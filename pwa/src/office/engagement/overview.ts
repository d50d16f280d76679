/**
 * The engagement page (issue 10): where an engagement stands at a glance (modes done and open;
 * evaluations submitted / accepted / returned; visits; survey answers against targets; integrity
 * flags still open), its scores as the scoring core computes them (service score, the radar
 * chart drawn by the server, per mode, per site, per characteristic, each with the explanation
 * the scoring core gives, §5.1.2), and its review queue with the way into the reviewer's screen.
 *
 * Reads: GET /api/engagements/<id>, …/overview (Need.EVALUATIONS: not administrators),
 * …/scores, …/charts/radar.svg, …/evaluations?status=submitted (staff).
 */

import { ApiError, apiFetch, type ApiResponse } from '../../data/api';
import { QUEUE_PAGE_SIZE } from '../../data/queues';
import { modeLabel } from '../../ui/app';
import { h, replace } from '../../ui/h';
import type { EvaluationSummary } from '../../ui/types';
import { dataTable, dateTime, emptyState, loadMoreButton, pageHeader, panel, statusChip, type ChipTone } from '../kit';
import { engagementKindLabel, engagementStatusLabel } from '../labels';
import { defineMessages } from '../messages';
import type { OfficeContext, OfficeView } from '../registry';
import type { Engagement, Text } from '../types';
import { engagementTabs } from './tabs';

const m = defineMessages(
  {
    facts: '{client} · {kind} · {from} 至 {to}',
    report: '下载测评报告 PDF',
    glance: '进展概况',
    modes: '认证模式',
    modesNote: '已完成 {done} 个，未完成 {open} 个',
    evaluations: '测评记录',
    evaluationsNote: '待复核 {submitted} · 已确认 {accepted} · 已退回 {returned}',
    visits: '神秘顾客暗访',
    visitsNote: '已完成 {done} 项，共 {total} 项',
    survey: '顾客调查答卷',
    surveyNote: '计入得分的答卷；样本量目标 {target} 份',
    surveyHeld: '另有 {n} 份已标记或未通过回访，未计入',
    noSurvey: '未安排顾客调查',
    flags: '待处理的真实性标记',
    flagsNote: '{n} 份待复核记录中：警示 {alerts}，提醒 {warnings}',
    noOverview: '进展概况只对审查组和独立复核人员开放（其中含真实性核查结果）。',
    mode: '模式',
    state: '状态',
    'state.done': '已完成',
    'state.open': '进行中',
    'state.not_started': '未开始',
    submitted: '待复核',
    accepted: '已确认',
    returned: '已退回',
    openVisits: '未完成暗访',
    answers: '答卷 / 目标',
    scores: '得分',
    overall: '服务特性测评得分',
    noScore: '尚无计入得分的测评',
    counted: '计入 {n} 份测评（其中顾客调查答卷 {answers} 份）；方案 {scheme}',
    radar: '各服务特性得分雷达图',
    perCharacteristic: '各服务特性得分',
    perMode: '各认证模式得分',
    perSite: '各服务场所得分',
    characteristic: '服务特性',
    site: '场所',
    score: '得分',
    evaluationsCounted: '测评数',
    explanation: '计算说明',
    queue: '复核队列',
    queueEmpty: '没有待复核的测评记录。',
    openQueue: '打开复核队列',
    evaluator: '测评人',
    submittedAt: '提交时间',
    flagColumn: '真实性标记',
    flagCount: '警示 {alerts} · 提醒 {warnings}',
    noFlags: '无',
    surveys: '顾客调查进度',
    target: '目标',
    held: '未计入',
  },
  {
    facts: '{client} · {kind} · {from} to {to}',
    report: 'Download the report (PDF)',
    glance: 'At a glance',
    modes: 'Certification modes',
    modesNote: '{done} done, {open} not done',
    evaluations: 'Evaluations',
    evaluationsNote: 'To review {submitted} · accepted {accepted} · returned {returned}',
    visits: 'Mystery-shopper visits',
    visitsNote: '{done} of {total} done',
    survey: 'Survey answers',
    surveyNote: 'Answers counted in the scores; target sample {target}',
    surveyHeld: '{n} more flagged or denied at callback, not counted',
    noSurvey: 'No customer survey',
    flags: 'Open integrity flags',
    flagsNote: 'In {n} evaluations to review: {alerts} alerts, {warnings} warnings',
    noOverview: 'The status is for the audit team and independent reviewers (it carries the integrity checks).',
    mode: 'Mode',
    state: 'State',
    'state.done': 'Done',
    'state.open': 'In progress',
    'state.not_started': 'Not started',
    submitted: 'To review',
    accepted: 'Accepted',
    returned: 'Returned',
    openVisits: 'Open visits',
    answers: 'Answers / target',
    scores: 'Scores',
    overall: 'Service score',
    noScore: 'No evaluation counts yet',
    counted: '{n} evaluations counted (of which {answers} survey answers); scheme {scheme}',
    radar: 'Radar chart of the score per service characteristic',
    perCharacteristic: 'Per service characteristic',
    perMode: 'Per certification mode',
    perSite: 'Per site',
    characteristic: 'Characteristic',
    site: 'Site',
    score: 'Score',
    evaluationsCounted: 'Evaluations',
    explanation: 'How it was computed',
    queue: 'Review queue',
    queueEmpty: 'No evaluation waits for review.',
    openQueue: 'Open the review queue',
    evaluator: 'Evaluator',
    submittedAt: 'Submitted',
    flagColumn: 'Integrity flags',
    flagCount: '{alerts} alerts · {warnings} warnings',
    noFlags: 'None',
    surveys: 'Survey progress',
    target: 'Target',
    held: 'Not counted',
  },
);

/** The scoring core's explanation of a number (backend/scoring explanation_json). */
interface Explanation {
  rule: string;
  section: string;
  zh: string;
  en: string;
}

interface ScoreValue {
  score: number | null;
  exact: string | null;
}

/** GET /api/engagements/<id>/scores (backend/evaluations/schemas.py ScoresSchema). */
interface Scores {
  scheme: { id: string; version: string; title: Text };
  accepted_evaluations: number;
  survey_answers: number;
  evaluations_counted: number;
  overall: ScoreValue & { explanation: Explanation };
  per_site: (ScoreValue & { site_id: string; site_name: string; evaluations_counted: number; explanation?: Explanation })[];
  per_mode: (ScoreValue & { mode: string; evaluations_counted: number })[];
  per_characteristic: (ScoreValue & { code: string; title: Text })[];
}

type Counts = Record<string, number>;

/** GET /api/engagements/<id>/overview (backend/reports/schemas.py EngagementOverviewSchema). */
interface Overview {
  modes: { mode: string; name: Text; state: 'done' | 'open' | 'not_started'; evaluations: Counts; open_visits: number; survey_answers: number; survey_target: number }[];
  modes_done: number;
  modes_open: number;
  evaluations: Counts;
  visits: Counts;
  surveys: {
    campaign_id: string;
    title: string;
    answers: number;
    received: number;
    target: number;
    sites: { site_id: string; site_name: string; answers: number; received: number; target: number }[];
  }[];
  survey_answers: number;
  survey_received: number;
  survey_target: number;
  integrity: {
    evaluations_checked: number;
    evaluations_flagged: number;
    alerts: number;
    warnings: number;
    evaluations: { evaluation_id: string; alerts: number; warnings: number; infos: number; checks: string[] }[];
  };
}

const STATE_TONE: Record<string, ChipTone> = { done: 'good', open: 'warn', not_started: 'neutral' };
/** Roles that may download the report (backend/reports/routes.py READERS). */
const REPORT_READERS = ['team_leader', 'auditor', 'reviewer'];

function score(value: number | null): string {
  // Two decimals, as the decision rules show scores (DOMAIN.md "Compare unrounded values").
  return value === null ? '—' : value.toFixed(2);
}

/** A refusal (403) becomes "not for you" (null); anything else is the page's error. */
async function ifAllowed<T>(load: Promise<{ data: T }>): Promise<T | null> {
  try {
    return (await load).data;
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) return null;
    throw error;
  }
}

function stat(key: string, label: string, value: string, note: string, data: Record<string, string | number> = {}): HTMLElement {
  const attrs: Record<string, string> = { class: 'stat', 'data-stat': key };
  for (const [k, v] of Object.entries(data)) attrs[`data-${k}`] = String(v);
  return h('div', attrs, h('dt', null, label), h('dd', { class: 'stat__value' }, value), h('dd', { class: 'stat__note' }, note));
}

function glance(ctx: OfficeContext, o: Overview): HTMLElement {
  const { app } = ctx;
  const ev = o.evaluations;
  const visitsTotal = Object.entries(o.visits).reduce((n, [k, v]) => (k === 'cancelled' ? n : n + v), 0);
  const visitsDone = o.visits['completed'] ?? 0;
  const f = o.integrity;
  const stats = h(
    'dl',
    { class: 'stats', id: 'engagement-glance' },
    stat('modes', m(app, 'modes'), `${o.modes_done} / ${o.modes.length}`, m(app, 'modesNote', { done: o.modes_done, open: o.modes_open }), { done: o.modes_done, open: o.modes_open }),
    stat('evaluations', m(app, 'evaluations'), String(ev['accepted'] ?? 0), m(app, 'evaluationsNote', { submitted: ev['submitted'] ?? 0, accepted: ev['accepted'] ?? 0, returned: ev['returned'] ?? 0 }), {
      submitted: ev['submitted'] ?? 0,
      accepted: ev['accepted'] ?? 0,
      returned: ev['returned'] ?? 0,
    }),
    stat('visits', m(app, 'visits'), `${visitsDone} / ${visitsTotal}`, m(app, 'visitsNote', { done: visitsDone, total: visitsTotal }), { done: visitsDone, total: visitsTotal }),
    o.surveys.length
      ? stat(
          'survey',
          m(app, 'survey'),
          `${o.survey_answers} / ${o.survey_target}`,
          [m(app, 'surveyNote', { target: o.survey_target }), o.survey_received > o.survey_answers ? m(app, 'surveyHeld', { n: o.survey_received - o.survey_answers }) : ''].filter(Boolean).join('；'),
          { answers: o.survey_answers, received: o.survey_received, target: o.survey_target },
        )
      : stat('survey', m(app, 'survey'), '—', m(app, 'noSurvey'), { answers: 0, target: 0 }),
    stat('flags', m(app, 'flags'), String(f.evaluations_flagged), m(app, 'flagsNote', { n: f.evaluations_checked, alerts: f.alerts, warnings: f.warnings }), {
      flagged: f.evaluations_flagged,
      alerts: f.alerts,
    }),
  );
  const modes = dataTable({
    id: 'engagement-modes',
    rows: o.modes,
    rowId: (r) => r.mode,
    rowProps: (r) => ({ 'data-state': r.state }),
    columns: [
      { key: 'mode', label: m(app, 'mode'), cell: (r) => `${r.mode} · ${app.text(r.name)}`, class: 'wide' },
      { key: 'state', label: m(app, 'state'), cell: (r) => statusChip(r.state, m(app, `state.${r.state}`), STATE_TONE[r.state]) },
      { key: 'submitted', label: m(app, 'submitted'), cell: (r) => r.evaluations['submitted'] ?? 0, class: 'num' },
      { key: 'accepted', label: m(app, 'accepted'), cell: (r) => r.evaluations['accepted'] ?? 0, class: 'num' },
      { key: 'returned', label: m(app, 'returned'), cell: (r) => r.evaluations['returned'] ?? 0, class: 'num' },
      { key: 'visits', label: m(app, 'openVisits'), cell: (r) => r.open_visits, class: 'num' },
      { key: 'answers', label: m(app, 'answers'), cell: (r) => (r.survey_target ? `${r.survey_answers} / ${r.survey_target}` : '—'), class: 'num nowrap' },
    ],
  });
  return panel({ id: 'engagement-status' }, m(app, 'glance'), stats, modes);
}

function explained(ctx: OfficeContext, e: Explanation | undefined): HTMLElement | null {
  if (!e) return null;
  return h('details', { class: 'explanation' }, h('summary', null, m(ctx.app, 'explanation')), h('p', null, ctx.app.text(e)));
}

function scoresPanel(ctx: OfficeContext, id: string, s: Scores): HTMLElement {
  const { app } = ctx;
  const lang = app.i18n.locale === 'en' ? 'en' : 'zh-CN';
  const overall = h(
    'div',
    { class: 'score-head' },
    h(
      'div',
      null,
      h('p', { class: 'score-head__label' }, m(app, 'overall')),
      s.overall.score === null
        ? h('p', { class: 'score-none', id: 'engagement-score', 'data-score': '' }, m(app, 'noScore'))
        : h('p', { class: 'score-big', id: 'engagement-score', 'data-score': s.overall.exact ?? '' }, score(s.overall.score)),
      h('p', { class: 'hint' }, m(app, 'counted', { n: s.evaluations_counted, answers: s.survey_answers, scheme: `${app.text(s.scheme.title)} ${s.scheme.version}` })),
      h('p', { class: 'explanation-text', id: 'engagement-score-explanation' }, app.text(s.overall.explanation)),
    ),
    h('img', {
      class: 'radar',
      id: 'engagement-radar',
      src: `/api/engagements/${encodeURIComponent(id)}/charts/radar.svg?lang=${lang}`,
      alt: m(app, 'radar'),
      width: 420,
      height: 320,
    }),
  );
  const perCharacteristic = dataTable({
    id: 'engagement-characteristic-scores',
    caption: m(app, 'perCharacteristic'),
    rows: s.per_characteristic,
    rowId: (r) => r.code,
    columns: [
      { key: 'characteristic', label: m(app, 'characteristic'), cell: (r) => `${r.code} ${app.text(r.title)}`, class: 'wide' },
      { key: 'score', label: m(app, 'score'), cell: (r) => score(r.score), class: 'num' },
    ],
  });
  const perMode = !s.per_mode.length ? emptyState('engagement-mode-scores', `${m(app, 'perMode')}：${m(app, 'noScore')}`) : dataTable({
    id: 'engagement-mode-scores',
    caption: m(app, 'perMode'),
    rows: s.per_mode,
    rowId: (r) => r.mode,
    columns: [
      { key: 'mode', label: m(app, 'mode'), cell: (r) => modeLabel(app, r.mode), class: 'wide' },
      { key: 'counted', label: m(app, 'evaluationsCounted'), cell: (r) => r.evaluations_counted, class: 'num' },
      { key: 'score', label: m(app, 'score'), cell: (r) => score(r.score), class: 'num' },
    ],
  });
  const perSite = !s.per_site.length ? emptyState('engagement-site-scores', `${m(app, 'perSite')}：${m(app, 'noScore')}`) : dataTable({
    id: 'engagement-site-scores',
    caption: m(app, 'perSite'),
    rows: s.per_site,
    rowId: (r) => r.site_id,
    columns: [
      { key: 'site', label: m(app, 'site'), cell: (r) => r.site_name, class: 'wide' },
      { key: 'counted', label: m(app, 'evaluationsCounted'), cell: (r) => r.evaluations_counted, class: 'num' },
      { key: 'score', label: m(app, 'score'), cell: (r) => score(r.score), class: 'num' },
      { key: 'explanation', label: m(app, 'explanation'), cell: (r) => explained(ctx, r.explanation) },
    ],
  });
  return panel({ id: 'engagement-scores' }, m(app, 'scores'), overall, h('div', { class: 'score-tables' }, perCharacteristic, perMode), perSite);
}

/**
 * The review queue: its first page, and "load more" while the server has another (issue 13: the
 * queue is keyset-paged, `X-Next-Cursor`; a queue of thousands costs one page to show).
 */
function queuePanel(ctx: OfficeContext, e: Engagement, first: ApiResponse<EvaluationSummary[]>, o: Overview | null, path: string): HTMLElement {
  const { app } = ctx;
  const flags = new Map((o?.integrity.evaluations ?? []).map((f) => [f.evaluation_id, f]));
  const siteName = (siteId: string): string => e.sites.find((s) => s.id === siteId)?.name ?? siteId;
  const queue = [...first.data];
  let next = first.next ?? null;
  const rows = h('div', { class: 'stack' });
  const section = panel(
    { id: 'engagement-queue', 'data-count': queue.length },
    m(app, 'queue'),
    rows,
    h('div', { class: 'toolbar' }, h('a', { href: '#/review', class: 'button button--small', id: 'engagement-open-queue' }, m(app, 'openQueue'))),
  );
  const more = async (): Promise<void> => {
    const page = await apiFetch<EvaluationSummary[]>('GET', `${path}&cursor=${encodeURIComponent(next ?? '')}`);
    queue.push(...page.data);
    next = page.next ?? null;
    draw();
  };
  const draw = (): void => {
    section.dataset['count'] = String(queue.length);
    replace(
      rows,
      queue.length
        ? dataTable({
            id: 'engagement-queue-table',
            rows: queue,
            rowId: (r) => r.id,
            rowProps: (r) => ({ 'data-evaluation-id': r.id, 'data-flagged': flags.has(r.id) ? 'true' : 'false' }),
            columns: [
              { key: 'site', label: m(app, 'site'), cell: (r) => h('a', { href: `#/review/${r.id}`, class: 'link' }, siteName(r.site_id)), class: 'wide' },
              { key: 'mode', label: m(app, 'mode'), cell: (r) => modeLabel(app, r.mode) },
              { key: 'evaluator', label: m(app, 'evaluator'), cell: (r) => r.evaluator.display_name },
              { key: 'submitted', label: m(app, 'submittedAt'), cell: (r) => dateTime(app, r.submitted_at), class: 'nowrap' },
              {
                key: 'flags',
                label: m(app, 'flagColumn'),
                cell: (r) => {
                  const f = flags.get(r.id);
                  if (!f) return m(app, 'noFlags');
                  return statusChip('flagged', m(app, 'flagCount', { alerts: f.alerts, warnings: f.warnings }), f.alerts ? 'bad' : 'warn');
                },
              },
            ],
          })
        : emptyState('engagement-queue', m(app, 'queueEmpty')),
      next !== null ? loadMoreButton(app, 'engagement-queue', more) : null,
    );
  };
  draw();
  return section;
}

function surveysPanel(ctx: OfficeContext, o: Overview): HTMLElement | null {
  const { app } = ctx;
  if (!o.surveys.length) return null;
  return panel(
    { id: 'engagement-surveys' },
    m(app, 'surveys'),
    o.surveys.map((c) =>
      dataTable({
        id: `engagement-survey-${c.campaign_id}`,
        caption: `${c.title} · ${c.answers} / ${c.target}`,
        rows: c.sites,
        rowId: (s) => s.site_id,
        rowProps: (s) => ({ 'data-answers': s.answers, 'data-received': s.received, 'data-target': s.target }),
        columns: [
          { key: 'site', label: m(app, 'site'), cell: (s) => s.site_name, class: 'wide' },
          { key: 'answers', label: m(app, 'answers'), cell: (s) => `${s.answers} / ${s.target}`, class: 'num' },
          { key: 'held', label: m(app, 'held'), cell: (s) => s.received - s.answers, class: 'num' },
          { key: 'progress', label: '', cell: (s) => h('meter', { min: 0, max: Math.max(s.target, 1), value: s.answers, 'aria-label': `${s.answers} / ${s.target}` }) },
        ],
      }),
    ),
  );
}

export const engagementOverviewView: OfficeView = async (ctx, main) => {
  const { app, me } = ctx;
  const id = ctx.params['id'] ?? '';
  const base = `/api/engagements/${encodeURIComponent(id)}`;
  const queuePath = `${base}/evaluations?status=submitted&limit=${QUEUE_PAGE_SIZE}`;
  const [{ data: e }, { data: s }, overview, queue] = await Promise.all([
    apiFetch<Engagement>('GET', base),
    apiFetch<Scores>('GET', `${base}/scores`),
    ifAllowed(apiFetch<Overview>('GET', `${base}/overview`)),
    ifAllowed(apiFetch<EvaluationSummary[]>('GET', queuePath).then((data) => ({ data }))),
  ]);
  const kind = ['initial', 'surveillance', 'recertification'].includes(e.kind) ? engagementKindLabel(app, e.kind as 'initial') : e.kind;
  const status = ['planned', 'fieldwork', 'review', 'decided', 'closed'].includes(e.status) ? engagementStatusLabel(app, e.status as 'planned') : e.status;
  const report = REPORT_READERS.includes(me.role) ? h('a', { href: `${base}/report.pdf`, class: 'button button--small', id: 'engagement-report', target: '_blank', rel: 'noopener' }, m(app, 'report')) : null;
  main.dataset['engagementId'] = e.id;
  replace(
    main,
    pageHeader(e.title, report),
    h('p', { class: 'hint', id: 'engagement-facts' }, statusChip(e.status, status, 'info'), ' ', m(app, 'facts', { client: e.client.name, kind, from: e.starts_on, to: e.ends_on })),
    engagementTabs(ctx, e.id, 'overview'),
    overview ? glance(ctx, overview) : h('p', { class: 'hint', id: 'engagement-no-status' }, m(app, 'noOverview')),
    scoresPanel(ctx, e.id, s),
    queue ? queuePanel(ctx, e, queue, overview, queuePath) : null,
    overview ? surveysPanel(ctx, overview) : null,
  );
};
