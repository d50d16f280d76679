/**
 * One engagement's nonconformities for its audit team: open one (clause, finding, evidence),
 * read the client's answer, verify it in writing or on site and re-judge the clause, at most
 * 基本符合 (§5.2.3.1), or send it back with the reason; an equivalent fix needs its reason.
 */

import { apiFetch } from '../../data/api';
import { h, replace } from '../../ui/h';
import { emptyState, field, formErrorSlot, onSubmit, pageHeader, panel, select, textArea, textInput } from '../kit';
import { defineMessages } from '../messages';
import { officeHref, type OfficeContext, type OfficeView } from '../registry';
import { daysText, deadlineText, m as nc, stageChip, thumbnails, uploadEvidence, type Nonconformity } from './api';

const m = defineMessages(
  {
    title: '不符合项',
    back: '全部项目',
    none: '本项目还没有不符合项。',
    openTitle: '开具不符合项',
    clause: '条款',
    clauseHint: '如 4.3.1',
    finding: '不符合事实',
    evidence: '证据（照片或文件，可选）',
    submitOpen: '开具',
    one: '不符合项 {n}：条款 {clause}',
    opened: '开具于 {date}',
    answer: '整改回复',
    cause: '原因分析',
    correction: '纠正措施',
    noAnswer: '委托方尚未提交整改。',
    returned: '已退回：{comment}',
    verify: '验证整改',
    method: '验证方式',
    verification: '验证情况',
    rejudged: '重新判定（整改后最高为“基本符合”）',
    equivalent: '以等效措施关闭（需写明理由）',
    equivalentReason: '等效理由',
    accept: '验证通过并关闭',
    reject: '退回整改',
    closed: '已于 {date} 关闭，{method}，重新判定为{label}。',
    equivalentShown: '等效措施：{reason}',
    consequence: '逾期后果：{what}（{date}）',
  },
  {
    title: 'Nonconformities',
    back: 'All engagements',
    none: 'No nonconformity in this engagement yet.',
    openTitle: 'Open a nonconformity',
    clause: 'Clause',
    clauseHint: 'e.g. 4.3.1',
    finding: 'Finding',
    evidence: 'Evidence (photos or files, optional)',
    submitOpen: 'Open',
    one: 'Nonconformity {n}: clause {clause}',
    opened: 'Opened on {date}',
    answer: "The client's answer",
    cause: 'Cause',
    correction: 'Correction',
    noAnswer: 'The client has not answered yet.',
    returned: 'Sent back: {comment}',
    verify: 'Verify the rectification',
    method: 'Method',
    verification: 'What was verified',
    rejudged: 'Re-judged (at most basic conformity after rectification)',
    equivalent: 'Closed with an equivalent fix (give the reason)',
    equivalentReason: 'Why it is equivalent',
    accept: 'Accept and close',
    reject: 'Send back',
    closed: 'Closed on {date}, {method}, re-judged {label}.',
    equivalentShown: 'Equivalent fix: {reason}',
    consequence: 'Consequence: {what} ({date})',
  },
);

export const ncEngagementView: OfficeView = async (ctx, main) => {
  const { app } = ctx;
  const id = ctx.params['id'] ?? '';
  const { data } = await apiFetch<Nonconformity[]>('GET', `/api/engagements/${id}/nonconformities`);
  replace(
    main,
    pageHeader(m(app, 'title'), h('a', { href: officeHref('ncs'), class: 'button button--small' }, m(app, 'back'))),
    data.length ? h('div', { id: 'nc-list' }, data.map((row) => card(ctx, row))) : emptyState('nc-list', m(app, 'none')),
    openForm(ctx, id),
  );
};

function card(ctx: OfficeContext, item: Nonconformity): HTMLElement {
  const { app } = ctx;
  const explanation = app.i18n.locale === 'en' ? item.explanation.en : item.explanation.zh;
  return h(
    'section',
    { class: 'nc-card', 'data-nc-id': item.id, 'data-stage': item.stage },
    h('h3', null, m(app, 'one', { n: item.number, clause: item.clause }), ' ', stageChip(app, item)),
    h('p', null, item.finding),
    thumbnails(item.evidence.finding),
    h('p', { class: 'muted' }, m(app, 'opened', { date: item.opened_on }), ' · ', deadlineText(app, item), ' · ', daysText(app, item)),
    h('p', { class: 'hint nc-explanation' }, explanation),
    item.consequence ? h('p', { class: 'error' }, m(app, 'consequence', { what: nc(app, item.consequence as 'audit_failed'), date: item.consequence_on ?? '' })) : null,
    item.returned_comment && item.stage === 'open' ? h('p', { class: 'warning' }, m(app, 'returned', { comment: item.returned_comment })) : null,
    item.stage === 'open'
      ? h('p', { class: 'muted' }, m(app, 'noAnswer'))
      : h(
          'div',
          { class: 'nc-answer' },
          h('h4', null, m(app, 'answer')),
          h('dl', null, h('dt', null, m(app, 'cause')), h('dd', null, item.cause ?? '—'), h('dt', null, m(app, 'correction')), h('dd', null, item.correction ?? '—')),
          thumbnails(item.evidence.answer),
        ),
    item.stage === 'answered' ? verifyForm(ctx, item) : null,
    item.stage === 'closed'
      ? h(
          'p',
          { class: 'success', 'data-closed': item.closed_on ?? '' },
          m(app, 'closed', {
            date: item.closed_on ?? '',
            method: item.verification_method ? nc(app, item.verification_method) : '',
            label: item.rejudged_label ? app.text(item.rejudged_label) : '',
          }),
          item.equivalent_reason ? h('span', null, ' ', m(app, 'equivalentShown', { reason: item.equivalent_reason })) : null,
        )
      : null,
  );
}

function verifyForm(ctx: OfficeContext, item: Nonconformity): HTMLElement {
  const { app } = ctx;
  const method = select([['written', nc(app, 'written')], ['on_site', nc(app, 'on_site')]]);
  const verification = textArea({ rows: 3 });
  const rejudged = select(item.rejudgement_allowed.map((j) => [j.code, app.text(j.label)] as const), { value: item.rejudgement_cap });
  const equivalent = h('input', { type: 'checkbox', name: 'equivalent' });
  const reason = textArea({ rows: 2 });
  const reasonField = field({ name: 'equivalent_reason', label: m(app, 'equivalentReason') }, reason);
  reasonField.hidden = true;
  equivalent.addEventListener('change', () => {
    reasonField.hidden = !equivalent.checked;
  });
  let accept = true;
  const form = h(
    'form',
    { class: 'form nc-verify', 'data-nc-id': item.id },
    formErrorSlot(),
    h('h4', null, m(app, 'verify')),
    field({ name: 'method', label: m(app, 'method') }, method),
    field({ name: 'verification', label: m(app, 'verification'), required: true }, verification),
    field({ name: 'rejudged', label: m(app, 'rejudged') }, rejudged),
    h('label', { class: 'check' }, equivalent, ` ${m(app, 'equivalent')}`),
    reasonField,
    h(
      'div',
      { class: 'nc-actions' },
      h('button', { type: 'submit', class: 'button button--primary', 'data-action': 'accept', onclick: () => (accept = true) }, m(app, 'accept')),
      h('button', { type: 'submit', class: 'button', 'data-action': 'reject', onclick: () => (accept = false) }, m(app, 'reject')),
    ),
  );
  onSubmit(app, form, async () => {
    await apiFetch('POST', `/api/nonconformities/${item.id}/verify`, {
      json: accept
        ? {
            accept: true,
            method: method.value,
            verification: verification.value,
            rejudged: rejudged.value,
            equivalent: equivalent.checked,
            equivalent_reason: equivalent.checked ? reason.value : null,
          }
        : { accept: false, method: method.value, verification: verification.value },
    });
    ctx.go(`ncs/${item.engagement_id}`);
  });
  return form;
}

function openForm(ctx: OfficeContext, engagementId: string): HTMLElement {
  const { app } = ctx;
  const clause = textInput({ placeholder: m(app, 'clauseHint') });
  const finding = textArea({ rows: 3 });
  const files = h('input', { type: 'file', accept: 'image/*,application/pdf', multiple: true, class: 'input' });
  const form = h(
    'form',
    { id: 'nc-open-form', class: 'form' },
    formErrorSlot(),
    field({ name: 'clause', label: m(app, 'clause'), required: true }, clause),
    field({ name: 'finding', label: m(app, 'finding'), required: true }, finding),
    field({ name: 'evidence_ids', label: m(app, 'evidence') }, files),
    h('div', { class: 'toolbar' }, h('button', { type: 'submit', class: 'button button--primary', 'data-action': 'open-nc' }, m(app, 'submitOpen'))),
  );
  onSubmit(app, form, async () => {
    const ids: string[] = [];
    for (const file of [...(files.files ?? [])]) ids.push(await uploadEvidence(file, null));
    await apiFetch('POST', `/api/engagements/${engagementId}/nonconformities`, {
      json: { clause: clause.value, finding: finding.value, evidence_ids: ids },
    });
    ctx.go(`ncs/${engagementId}`);
  });
  return panel({ id: 'nc-open' }, m(app, 'openTitle'), form);
}
