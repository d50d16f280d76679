/**
 * One application: its documents (uploaded through the evidence pipeline, kept by SHA-256), its
 * review (§4.3: accepted, or not accepted with the grounds), and the engagement planned from it
 * (sampled sites, modes, dates, the team chosen from the directory).
 */

import { apiFetch } from '../../data/api';
import { h, replace } from '../../ui/h';
import {
  dataTable,
  dateTime,
  emptyState,
  field,
  formErrorSlot,
  onSubmit,
  pageHeader,
  panel,
  select,
  statusChip,
  textArea,
  textInput,
} from '../kit';
import { engagementKindLabel } from '../labels';
import { defineMessages } from '../messages';
import { officeHref, type OfficeContext, type OfficeView } from '../registry';
import type { Site } from '../types';
import { addDays, chinaDate, directory, uploadDocument, type Application } from './api';
import { applicationStatusLabel, DOC_TYPES, docTypeLabel, known, REASONS, reasonLabel } from './labels';

const m = defineMessages(
  {
    client: '委托方',
    scheme: '认证方案',
    kind: '认证类型',
    received: '收到日期',
    units: '认证单元',
    documents: '申请材料（§4.2）',
    noDocuments: '还没有材料。',
    missing: '尚缺：{list}',
    allThere: '必备材料已齐全。',
    docType: '材料类别',
    file: '文件（PDF 或图片）',
    docTitle: '名称',
    add: '上传并添加',
    size: '大小',
    hash: 'SHA-256',
    added: '添加时间',
    review: '申请评审（§4.3）',
    accept: '受理',
    refuse: '不予受理',
    decision: '评审结论',
    reasons: '不予受理的情形',
    note: '说明',
    saveReview: '提交评审结论',
    reviewed: '评审结论：{status}',
    plan: '策划认证项目',
    planHint: '抽样场所从申请的认证单元中选择；审查组从人员名录中选择。',
    title: '项目名称',
    modes: '认证模式',
    starts: '开始日期',
    ends: '结束日期',
    sites: '抽样场所',
    auditors: '审查员',
    createEngagement: '建立认证项目',
    engagement: '认证项目已建立。',
    openEngagement: '进入项目策划',
    noSites: '申请的认证单元还没有服务场所。',
    noAuditors: '名录中没有可选的审查员。',
  },
  {
    client: 'Client',
    scheme: 'Scheme',
    kind: 'Kind',
    received: 'Received',
    units: 'Certification units',
    documents: 'Documents (§4.2)',
    noDocuments: 'No document yet.',
    missing: 'Still missing: {list}',
    allThere: 'The required documents are all there.',
    docType: 'Document type',
    file: 'File (PDF or image)',
    docTitle: 'Title',
    add: 'Upload and add',
    size: 'Size',
    hash: 'SHA-256',
    added: 'Added',
    review: 'Application review (§4.3)',
    accept: 'Accept',
    refuse: 'Do not accept',
    decision: 'Decision',
    reasons: 'Grounds for not accepting',
    note: 'Note',
    saveReview: 'Record the decision',
    reviewed: 'Decision: {status}',
    plan: 'Plan the engagement',
    planHint: 'Sampled sites come from the units applied for; the team from the directory.',
    title: 'Title',
    modes: 'Certification modes',
    starts: 'Starts',
    ends: 'Ends',
    sites: 'Sampled sites',
    auditors: 'Auditors',
    createEngagement: 'Create the engagement',
    engagement: 'The engagement exists.',
    openEngagement: 'Open its planning',
    noSites: 'The units applied for have no service site yet.',
    noAuditors: 'No auditor in the directory.',
  },
);

const MODES: readonly (readonly [string, string, string])[] = [
  ['A', '公开的服务特性检验', 'Open inspection'],
  ['B', '神秘顾客暗访检验', 'Mystery shopper'],
  ['E', '顾客调查', 'Customer survey'],
  ['G', '服务能力确认或验证', 'Capability verification'],
  ['I', '服务管理审核', 'Management audit'],
];

const statusOf = known(applicationStatusLabel, ['submitted', 'accepted', 'not_accepted']);
const kindOf = known(engagementKindLabel, ['initial', 'surveillance', 'recertification']);

function checks(name: string, options: readonly (readonly [string, string])[], checked: (value: string) => boolean): HTMLElement {
  return h(
    'div',
    { class: 'checks', 'data-checks': name },
    options.map(([value, label]) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name, value, checked: checked(value) }), ` ${label}`)),
  );
}

function checkField(name: string, label: string, box: HTMLElement): HTMLElement {
  return h('div', { class: 'field', 'data-field': name }, h('p', { class: 'field__label' }, label), box, h('p', { class: 'field__error', 'data-field-error': '', hidden: true }));
}

function checkedValues(form: HTMLElement, name: string): string[] {
  return [...form.querySelectorAll<HTMLInputElement>(`input[name="${name}"]:checked`)].map((i) => i.value);
}

function documentsPanel(ctx: OfficeContext, a: Application): HTMLElement {
  const { app } = ctx;
  const missing = a.missing_documents.map((d) => docTypeLabel(app, d as 'other')).join('、');
  const status = h(
    'p',
    { 'data-missing': a.missing_documents.join(' ') },
    a.missing_documents.length ? statusChip('missing', m(app, 'missing', { list: missing }), 'warn') : statusChip('complete', m(app, 'allThere'), 'good'),
  );
  const table = a.documents.length
    ? dataTable({
        id: 'documents-table',
        rows: a.documents,
        rowId: (d) => d.id,
        columns: [
          { key: 'type', label: m(app, 'docType'), cell: (d) => docTypeLabel(app, d.doc_type as 'other') },
          { key: 'title', label: m(app, 'docTitle'), cell: (d) => h('a', { href: `/api/evidence/${d.evidence_id}/original`, class: 'link', target: '_blank', rel: 'noopener' }, d.title || d.media_type), class: 'wide' },
          { key: 'size', label: m(app, 'size'), cell: (d) => `${Math.max(1, Math.round(d.size_bytes / 1024))} KB`, class: 'num' },
          { key: 'hash', label: m(app, 'hash'), cell: (d) => h('code', { title: d.sha256 }, d.sha256.slice(0, 12)) },
          { key: 'added', label: m(app, 'added'), cell: (d) => dateTime(app, d.added_at), class: 'nowrap' },
        ],
      })
    : emptyState('documents', m(app, 'noDocuments'));
  if (a.status !== 'submitted') return panel({ id: 'application-documents' }, m(app, 'documents'), status, table);
  const fileInput = h('input', { type: 'file', class: 'input', accept: 'application/pdf,image/jpeg,image/png,image/webp,image/heic' });
  const form = h(
    'form',
    { class: 'form form--inline', id: 'document-form' },
    formErrorSlot(),
    field({ name: 'doc_type', label: m(app, 'docType') }, select(DOC_TYPES.map((t) => [t, docTypeLabel(app, t)] as const), { value: a.missing_documents[0] ?? 'other' })),
    field({ name: 'evidence_id', label: m(app, 'file') }, fileInput),
    field({ name: 'title', label: m(app, 'docTitle') }, textInput()),
    h('div', { class: 'toolbar' }, h('button', { type: 'submit', class: 'button button--primary' }, m(app, 'add'))),
  );
  onSubmit(app, form, async () => {
    const file = fileInput.files?.[0];
    if (!file) throw Object.assign(new Error(m(app, 'file')), { details: { evidence_id: [m(app, 'file')] } });
    const evidenceId = await uploadDocument(file);
    const docType = form.querySelector<HTMLSelectElement>('[name=doc_type]')?.value ?? 'other';
    const title = form.querySelector<HTMLInputElement>('[name=title]')?.value.trim() || file.name;
    await apiFetch('POST', `/api/applications/${a.id}/documents`, { json: { evidence_id: evidenceId, doc_type: docType, title } });
    ctx.go(`applications/${a.id}`);
  });
  return panel({ id: 'application-documents' }, m(app, 'documents'), status, table, form);
}

function reviewPanel(ctx: OfficeContext, a: Application): HTMLElement {
  const { app } = ctx;
  if (a.status !== 'submitted') {
    return panel(
      { id: 'application-review', 'data-status': a.status },
      m(app, 'review'),
      h('p', null, statusChip(a.status, m(app, 'reviewed', { status: statusOf(app, a.status) }), a.status === 'accepted' ? 'good' : 'bad')),
      a.refusal_reasons.length ? h('ul', { id: 'refusal-reasons' }, a.refusal_reasons.map((r) => h('li', { 'data-reason': r }, reasonLabel(app, r as 'other')))) : null,
      a.review_note ? h('p', null, a.review_note) : null,
    );
  }
  const decision = select([
    ['accept', m(app, 'accept')],
    ['refuse', m(app, 'refuse')],
  ]);
  const reasons = checkField('reasons', m(app, 'reasons'), checks('reasons', REASONS.map((r) => [r, reasonLabel(app, r)] as const), () => false));
  const toggle = (): void => {
    reasons.hidden = decision.value !== 'refuse';
  };
  decision.addEventListener('change', toggle);
  toggle();
  const form = h(
    'form',
    { class: 'form', id: 'review-form' },
    formErrorSlot(),
    field({ name: 'accepted', label: m(app, 'decision') }, decision),
    reasons,
    field({ name: 'note', label: m(app, 'note') }, textArea({ rows: 2 })),
    h('div', { class: 'toolbar' }, h('button', { type: 'submit', class: 'button button--primary' }, m(app, 'saveReview'))),
  );
  onSubmit(app, form, async () => {
    const accepted = decision.value === 'accept';
    await apiFetch('POST', `/api/applications/${a.id}/review`, {
      json: {
        accepted,
        reasons: accepted ? [] : checkedValues(form, 'reasons'),
        note: form.querySelector<HTMLTextAreaElement>('[name=note]')?.value ?? '',
      },
    });
    ctx.go(`applications/${a.id}`);
  });
  return panel({ id: 'application-review' }, m(app, 'review'), form);
}

async function engagementPanel(ctx: OfficeContext, a: Application): Promise<HTMLElement | null> {
  const { app } = ctx;
  if (a.engagement_id) {
    return panel(
      { id: 'application-engagement' },
      m(app, 'plan'),
      h('p', null, m(app, 'engagement')),
      h('a', { href: officeHref('engagements', a.engagement_id), class: 'button button--primary', 'data-action': 'open-engagement' }, m(app, 'openEngagement')),
    );
  }
  if (a.status !== 'accepted') return null;
  const [sites, people] = await Promise.all([
    Promise.all(a.units.map((u) => apiFetch<Site[]>('GET', `/api/units/${u.id}/sites`).then((r) => r.data))).then((l) => l.flat()),
    directory(),
  ]);
  const auditors = people.filter((p) => p.role === 'auditor' || (p.role === 'team_leader' && p.id !== ctx.me.id));
  const today = chinaDate(new Date());
  const form = h(
    'form',
    { class: 'form', id: 'engagement-form' },
    formErrorSlot(),
    h('p', { class: 'hint' }, m(app, 'planHint')),
    field({ name: 'title', label: m(app, 'title'), required: true }, textInput({ value: `${a.client.name} ${kindOf(app, a.kind)}` })),
    checkField('modes', m(app, 'modes'), checks('modes', MODES.map(([l, zh, en]) => [l, `${l} ${app.i18n.locale === 'en' ? en : zh}`] as const), (l) => ['A', 'B', 'E'].includes(l))),
    field({ name: 'starts_on', label: m(app, 'starts') }, textInput({ type: 'date', value: addDays(today, 7) })),
    field({ name: 'ends_on', label: m(app, 'ends') }, textInput({ type: 'date', value: addDays(today, 21) })),
    checkField('site_ids', m(app, 'sites'), sites.length ? checks('site_ids', sites.map((s) => [s.id, `${s.name}（${s.address}）`] as const), () => true) : h('p', { class: 'hint' }, m(app, 'noSites'))),
    checkField('auditor_ids', m(app, 'auditors'), auditors.length ? checks('auditor_ids', auditors.map((p) => [p.id, p.display_name] as const), () => false) : h('p', { class: 'hint' }, m(app, 'noAuditors'))),
    h('div', { class: 'toolbar' }, h('button', { type: 'submit', class: 'button button--primary' }, m(app, 'createEngagement'))),
  );
  onSubmit(app, form, async () => {
    const value = (name: string): string => form.querySelector<HTMLInputElement>(`[name="${name}"]`)?.value ?? '';
    const { data } = await apiFetch<Application>('POST', `/api/applications/${a.id}/engagement`, {
      json: {
        title: value('title'),
        modes: checkedValues(form, 'modes'),
        starts_on: value('starts_on'),
        ends_on: value('ends_on'),
        site_ids: checkedValues(form, 'site_ids'),
        auditor_ids: checkedValues(form, 'auditor_ids'),
      },
    });
    if (data.engagement_id) ctx.go(`engagements/${data.engagement_id}`);
  });
  return panel({ id: 'application-engagement' }, m(app, 'plan'), form);
}

export const applicationView: OfficeView = async (ctx, main) => {
  const { app } = ctx;
  const { data: a } = await apiFetch<Application>('GET', `/api/applications/${ctx.params['id'] ?? ''}`);
  const facts = h(
    'dl',
    { class: 'facts', id: 'application-facts', 'data-status': a.status },
    h('dt', null, m(app, 'client')),
    h('dd', null, a.client.name),
    h('dt', null, m(app, 'scheme')),
    h('dd', null, `${app.text(a.scheme_version.title)}（${a.scheme_version.scheme_id} ${a.scheme_version.version}）`),
    h('dt', null, m(app, 'kind')),
    h('dd', null, kindOf(app, a.kind)),
    h('dt', null, m(app, 'received')),
    h('dd', null, a.received_on),
    h('dt', null, m(app, 'units')),
    h('dd', null, a.units.map((u) => u.name).join('、')),
  );
  replace(
    main,
    pageHeader(`${a.client.name} · ${statusOf(app, a.status)}`),
    facts,
    documentsPanel(ctx, a),
    reviewPanel(ctx, a),
    await engagementPanel(ctx, a),
  );
};
