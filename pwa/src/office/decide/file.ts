/**
 * An engagement's certification file for the independent reviewer and decision maker (CQC rule
 * §6.1, §6.2): every checklist line with what is there and what is missing, the characteristic
 * scores and the scheme's decision row (§5.3), the review checklist to submit, then the decision
 * with its reasons. The server refuses anyone who was on the audit team
 * (CONFLICT_OF_INTEREST); the screen says so in plain words.
 */

import './decide.css';
import { ApiError, apiFetch } from '../../data/api';
import { h, replace } from '../../ui/h';
import { dataTable, dateTime, field, formErrorSlot, onSubmit, pageHeader, panel, select, statusChip, textArea, textInput } from '../kit';
import { defineMessages } from '../messages';
import { officeHref, type OfficeContext, type OfficeView } from '../registry';
import { refusalText, score, textOf, words, type ChecklistLine, type EngagementFile } from './api';

const m = defineMessages(
  {
    title: '认证文件复核',
    back: '待复核列表',
    refused: '不能打开该认证文件',
    scheme: '认证方案：{title}（{version}）',
    complete: '认证文件齐全，可以复核。',
    missing: '认证文件不完整，缺：{lines}。补齐后才能复核和决定。',
    checklist: '复核清单',
    line: '项目',
    state: '情况',
    summary: '文件中有什么',
    numbers: '数据',
    lineComplete: '齐全',
    lineMissing: '缺失',
    lineNa: '不适用',
    scores: '服务特性得分',
    characteristic: '服务特性',
    score: '得分',
    schemeDecision: '方案决定规则给出的结论',
    grade: '等级：{grade}',
    noGrade: '（无等级）',
    row: '适用规则行：{row}',
    noRule: '方案没有给出决定（文件不完整时无法计算）。',
    reviewTitle: '复核',
    confirm: '已核对',
    note: '复核意见',
    conclusion: '复核结论',
    comment: '复核说明（不建议认证时必填）',
    submitReview: '提交复核',
    again: '修改复核（作出认证决定前）',
    reviewed: '{date} 已复核：{conclusion}',
    decisionTitle: '认证决定',
    decisionGrade: '按方案决定规则，本项目为：{outcome}{grade}',
    reasons: '决定理由',
    approve: '批准认证',
    refuse: '不予认证',
    decided: '{date} 已作出认证决定：{what}',
    approved: '批准认证',
    notApproved: '不予认证',
    decidedGrade: '等级：{grade}；服务特性总分 {score}',
    waitReview: '复核建议认证后才能作出批准的决定。',
    certificates: '证书',
  },
  {
    title: 'Certification file review',
    back: 'Files to review',
    refused: 'This file cannot be opened',
    scheme: 'Scheme: {title} ({version})',
    complete: 'The file is complete and can be reviewed.',
    missing: 'The file is incomplete, missing: {lines}. Review and decision wait until it is complete.',
    checklist: 'Review checklist',
    line: 'Line',
    state: 'State',
    summary: 'What the file holds',
    numbers: 'Figures',
    lineComplete: 'Complete',
    lineMissing: 'Missing',
    lineNa: 'Not applicable',
    scores: 'Characteristic scores',
    characteristic: 'Characteristic',
    score: 'Score',
    schemeDecision: "The scheme's decision rows give",
    grade: 'grade: {grade}',
    noGrade: '(no grade)',
    row: 'Row: {row}',
    noRule: 'The scheme gives no decision (not computable while the file is incomplete).',
    reviewTitle: 'Review',
    confirm: 'Checked',
    note: 'Note',
    conclusion: 'Conclusion',
    comment: 'Comment (required when not recommending)',
    submitReview: 'Submit the review',
    again: 'Change the review (until the decision)',
    reviewed: 'Reviewed on {date}: {conclusion}',
    decisionTitle: 'Certification decision',
    decisionGrade: "By the scheme's decision rows: {outcome}{grade}",
    reasons: 'Reasons',
    approve: 'Approve certification',
    refuse: 'Refuse certification',
    decided: 'Decided on {date}: {what}',
    approved: 'certification approved',
    notApproved: 'certification refused',
    decidedGrade: 'Grade: {grade}; service score {score}',
    waitReview: 'Approval needs a review recommending certification.',
    certificates: 'Certificates',
  },
);

export const fileView: OfficeView = async (ctx, main) => {
  const { app } = ctx;
  const id = ctx.params['id'] ?? '';
  const back = h('a', { href: officeHref('review'), class: 'button button--small' }, m(app, 'back'));
  let file: EngagementFile;
  try {
    file = (await apiFetch<EngagementFile>('GET', `/api/engagements/${id}/file`)).data;
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 403) throw error;
    // The independence rule, server-side (§6.1, §6.2): say why, not just "forbidden".
    replace(
      main,
      pageHeader(m(app, 'title'), back),
      h('div', { class: 'error', role: 'alert', id: 'file-refused', 'data-code': error.code }, h('h3', null, m(app, 'refused')), h('p', null, refusalText(app, error))),
    );
    return;
  }
  render(ctx, main, file, back);
};

function render(ctx: OfficeContext, main: HTMLElement, file: EngagementFile, back: HTMLElement): void {
  const { app } = ctx;
  const titles = new Map(file.checklist.map((l) => [l.key, textOf(app, l.title)]));
  replace(
    main,
    pageHeader(m(app, 'title'), back),
    h('p', { class: 'hint', id: 'file-scheme' }, m(app, 'scheme', { title: textOf(app, file.scheme.title), version: file.scheme.version })),
    h(
      'p',
      { id: 'file-completeness', class: file.complete ? 'success' : 'warning', 'data-complete': String(file.complete) },
      file.complete ? m(app, 'complete') : m(app, 'missing', { lines: file.missing.map((k) => titles.get(k) ?? k).join('、') }),
    ),
    h(
      'div',
      { class: 'decide-grid' },
      panel({ id: 'file-decision-rule' }, m(app, 'schemeDecision'), schemeDecision(ctx, file)),
      panel({ id: 'file-scores-panel' }, m(app, 'scores'), scoresTable(ctx, file.characteristic_scores)),
    ),
    panel({ id: 'file-checklist-panel' }, m(app, 'checklist'), checklistTable(ctx, file.checklist)),
    reviewPart(ctx, file),
    decisionPart(ctx, file),
  );
}

function schemeDecision(ctx: OfficeContext, file: EngagementFile): HTMLElement {
  const { app } = ctx;
  const d = file.scheme_decision;
  if (d === null) return h('p', { id: 'file-scheme-decision', class: 'muted', 'data-outcome': '' }, m(app, 'noRule'));
  return h(
    'div',
    { id: 'file-scheme-decision', 'data-outcome': d.outcome, 'data-grade': d.grade?.zh ?? '' },
    h('p', { class: 'decide-outcome' }, statusChip(d.outcome, words(app, d.outcome === 'not_certified' ? 'not_certified' : 'certified'), d.outcome === 'not_certified' ? 'bad' : 'good'), ' ', d.grade ? m(app, 'grade', { grade: textOf(app, d.grade) }) : m(app, 'noGrade')),
    d.row ? h('p', { class: 'hint' }, m(app, 'row', { row: d.row })) : null,
  );
}

export function scoresTable(ctx: OfficeContext, scores: Record<string, number | null>, titles: Record<string, string> = {}, id = 'file-scores'): HTMLElement {
  const { app } = ctx;
  const rows = Object.entries(scores);
  return dataTable({
    id,
    rows,
    rowId: ([code]) => code,
    columns: [
      { key: 'characteristic', label: m(app, 'characteristic'), cell: ([code]) => (titles[code] ? `${code} ${titles[code]}` : code), class: 'wide' },
      { key: 'score', label: m(app, 'score'), cell: ([, value]) => score(value), class: 'num' },
    ],
  });
}

/** The figures' names (backend/decisions/file.py `numbers`); others are not shown. */
const figure = defineMessages(
  {
    service_score: '服务得分',
    accepted_evaluations: '通过审核的测评',
    survey_answers: '计入的顾客调查',
    level: '等级',
    total: '合计',
    missing: '缺',
    open: '待整改',
    answered: '已回复',
    closed: '已关闭',
    suspended: '导致暂停',
    audit_failed: '导致审查不通过',
    judged_without_record: '判不符合但未开具',
    evaluations: '计入的测评',
    flagged: '有标记的测评',
    alerts: '警示',
    drawn: '抽取回访',
    confirmed: '确认',
    not_reached: '未接通',
    denied: '否认',
    pending: '待回访',
  },
  {
    service_score: 'service score',
    accepted_evaluations: 'accepted evaluations',
    survey_answers: 'survey answers counted',
    level: 'level',
    total: 'total',
    missing: 'missing',
    open: 'open',
    answered: 'answered',
    closed: 'closed',
    suspended: 'suspending',
    audit_failed: 'failing the audit',
    judged_without_record: 'judged without a record',
    evaluations: 'evaluations counted',
    flagged: 'flagged evaluations',
    alerts: 'alerts',
    drawn: 'callbacks drawn',
    confirmed: 'confirmed',
    not_reached: 'not reached',
    denied: 'denied',
    pending: 'to call',
  },
);

function numbersText(ctx: OfficeContext, numbers: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(numbers)) {
    const label = figure(ctx.app, k as 'total');
    if (label === k) continue; // a figure without a name here: the summary says it in words
    if (typeof v === 'number' || typeof v === 'string') parts.push(`${label} ${typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(2) : v}`);
    else if (Array.isArray(v)) {
      if (v.length) parts.push(`${label} ${v.every((x) => typeof x !== 'object') ? v.join('、') : v.length}`);
    }
  }
  return parts.join(' · ');
}

function lineChip(ctx: OfficeContext, line: ChecklistLine): HTMLElement {
  const { app } = ctx;
  if (!line.applies) return statusChip('na', m(app, 'lineNa'), 'neutral');
  return line.complete ? statusChip('complete', m(app, 'lineComplete'), 'good') : statusChip('missing', m(app, 'lineMissing'), 'bad');
}

function checklistTable(ctx: OfficeContext, lines: ChecklistLine[]): HTMLElement {
  const { app } = ctx;
  return dataTable({
    id: 'file-checklist',
    rows: lines,
    rowId: (l) => l.key,
    rowProps: (l) => ({ 'data-line': l.key, 'data-applies': String(l.applies), 'data-complete': String(l.complete) }),
    columns: [
      { key: 'line', label: m(app, 'line'), cell: (l) => textOf(app, l.title), class: 'nowrap' },
      { key: 'state', label: m(app, 'state'), cell: (l) => lineChip(ctx, l) },
      { key: 'summary', label: m(app, 'summary'), cell: (l) => textOf(app, l.summary), class: 'wide' },
      { key: 'numbers', label: m(app, 'numbers'), cell: (l) => h('span', { class: 'decide-numbers' }, numbersText(ctx, l.numbers)) },
    ],
  });
}

function reviewPart(ctx: OfficeContext, file: EngagementFile): HTMLElement {
  const { app } = ctx;
  const done = file.review;
  const shown = done
    ? h(
        'div',
        { id: 'review-shown', 'data-conclusion': done.conclusion },
        h('p', { class: done.conclusion === 'recommend' ? 'success' : 'warning' }, m(app, 'reviewed', { date: dateTime(app, done.reviewed_at), conclusion: words(app, done.conclusion) })),
        done.comment ? h('p', null, done.comment) : null,
      )
    : null;
  if (file.decision !== null) return panel({ id: 'review-panel' }, m(app, 'reviewTitle'), shown);
  const boxes = new Map<string, { confirmed: HTMLInputElement; note: HTMLInputElement }>();
  const rows = file.checklist
    .filter((l) => l.applies)
    .map((l) => {
      const confirmed = h('input', { type: 'checkbox', name: `checklist.${l.key}.confirmed`, checked: done?.checklist[l.key]?.confirmed ?? false, disabled: !file.complete });
      const note = textInput({ name: `checklist.${l.key}.note`, value: done?.checklist[l.key]?.note ?? '', disabled: !file.complete });
      boxes.set(l.key, { confirmed, note });
      return h(
        'div',
        { class: 'decide-check', 'data-field': `checklist.${l.key}`, 'data-line': l.key },
        h('label', { class: 'check' }, confirmed, ` ${m(app, 'confirm')}：${textOf(app, l.title)}`),
        note,
        h('p', { class: 'field__error', 'data-field-error': '', hidden: true }),
      );
    });
  const conclusion = select([['recommend', words(app, 'recommend')], ['not_recommend', words(app, 'not_recommend')]], { value: done?.conclusion ?? 'recommend' });
  const comment = textArea({ rows: 3, value: done?.comment ?? '' });
  const form = h(
    'form',
    { id: 'review-form', class: 'form' },
    formErrorSlot(),
    rows,
    field({ name: 'conclusion', label: m(app, 'conclusion') }, conclusion),
    field({ name: 'comment', label: m(app, 'comment') }, comment),
    h('div', { class: 'toolbar' }, h('button', { type: 'submit', class: 'button button--primary', 'data-action': 'submit-review', disabled: !file.complete }, m(app, 'submitReview'))),
  );
  onSubmit(app, form, async () => {
    const checklist = Object.fromEntries([...boxes].map(([key, b]) => [key, { confirmed: b.confirmed.checked, note: b.note.value }]));
    await apiFetch('POST', `/api/engagements/${file.engagement_id}/review`, { json: { checklist, conclusion: conclusion.value, comment: comment.value } });
    ctx.go(`review/${file.engagement_id}`);
  });
  return panel({ id: 'review-panel' }, m(app, 'reviewTitle'), shown, done ? h('details', { class: 'decide-again' }, h('summary', null, m(app, 'again')), form) : form);
}

function decisionPart(ctx: OfficeContext, file: EngagementFile): HTMLElement | null {
  const { app } = ctx;
  const done = file.decision;
  if (done !== null) {
    return panel(
      { id: 'decision-panel' },
      m(app, 'decisionTitle'),
      h(
        'div',
        { id: 'decision-shown', 'data-approved': String(done.approved), 'data-grade': done.grade?.zh ?? '' },
        h('p', { class: done.approved ? 'success' : 'warning' }, m(app, 'decided', { date: dateTime(app, done.decided_at), what: m(app, done.approved ? 'approved' : 'notApproved') })),
        h('p', null, m(app, 'decidedGrade', { grade: done.grade ? textOf(app, done.grade) : '—', score: score(done.service_score) })),
        h('p', { class: 'decide-reasons' }, done.reasons),
        h('p', { class: 'toolbar' }, h('a', { href: officeHref('certificates'), class: 'button button--small', 'data-link': 'certificates' }, m(app, 'certificates'))),
      ),
    );
  }
  if (file.review === null) return null;
  const d = file.scheme_decision;
  const reasons = textArea({ rows: 3 });
  let approve = true;
  const recommended = file.review.conclusion === 'recommend';
  const form = h(
    'form',
    { id: 'decision-form', class: 'form' },
    formErrorSlot(),
    h(
      'p',
      { id: 'decision-grade', class: 'decide-outcome', 'data-outcome': d?.outcome ?? '', 'data-grade': d?.grade?.zh ?? '' },
      m(app, 'decisionGrade', {
        outcome: d ? words(app, d.outcome === 'not_certified' ? 'not_certified' : 'certified') : '—',
        grade: d?.grade ? `，${m(app, 'grade', { grade: textOf(app, d.grade) })}` : '',
      }),
    ),
    recommended ? null : h('p', { class: 'warning' }, m(app, 'waitReview')),
    field({ name: 'reasons', label: m(app, 'reasons'), required: true }, reasons),
    h(
      'div',
      { class: 'toolbar' },
      h('button', { type: 'submit', class: 'button button--primary', 'data-action': 'approve', disabled: !recommended || d?.outcome === 'not_certified', onclick: () => (approve = true) }, m(app, 'approve')),
      h('button', { type: 'submit', class: 'button', 'data-action': 'refuse', onclick: () => (approve = false) }, m(app, 'refuse')),
    ),
  );
  onSubmit(app, form, async () => {
    await apiFetch('POST', `/api/engagements/${file.engagement_id}/decision`, { json: { approve, reasons: reasons.value } });
    ctx.go(`review/${file.engagement_id}`);
  });
  return panel({ id: 'decision-panel' }, m(app, 'decisionTitle'), form);
}
