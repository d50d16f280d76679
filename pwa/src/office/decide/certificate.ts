/**
 * One certificate (CQC rule §9): the eight fields, the grade and the characteristic scores, the
 * status and validity, the seal's fingerprint, the PDF, the public verification page and its QR
 * code; for administrators the status actions (suspend with its cause §9.4, reinstate, withdraw
 * §9.5) and changes that keep the number (§9.3).
 */

import './decide.css';
import { apiFetch } from '../../data/api';
import { h, replace } from '../../ui/h';
import { dataTable, emptyState, field, formErrorSlot, onSubmit, pageHeader, panel, select, textArea, textInput } from '../kit';
import { defineMessages } from '../messages';
import { officeHref, type OfficeContext, type OfficeView } from '../registry';
import { certificateChip, type Certificate } from './api';
import { scoresTable } from './file';

const m = defineMessages(
  {
    title: '证书 {number}',
    back: '全部证书',
    fields: '证书内容',
    number: '证书编号',
    client: '认证委托人（获证组织）',
    provider: '服务提供者',
    scope: '认证范围',
    modes: '认证模式',
    basis: '认证依据',
    issued: '颁证日期',
    valid: '有效期',
    validRange: '{from} 至 {to}',
    body: '认证机构',
    grade: '等级',
    changedOn: '变更日期',
    status: '状态',
    scores: '服务特性得分',
    seal: '防伪与核验',
    fingerprint: '签名指纹',
    keyId: '签名密钥',
    scans: '公开页面已被查看 {n} 次',
    pdf: '下载证书 PDF',
    publicLink: '公开核验页面',
    qr: '证书上印的二维码（扫码打开公开核验页面，并可离线核验签名）',
    issueBy: '应于 {date} 前颁发（审查通过后 30 天内，§6.3）',
    late: '逾期颁发',
    statusTitle: '暂停、恢复与撤销',
    action: '操作',
    suspend: '暂停',
    reinstate: '恢复',
    withdraw: '撤销',
    cause: '暂停原因类别',
    clientRequest: '委托人申请（最长 12 个月）',
    other: '其他原因（最长 3 个月）',
    on: '生效日期（不填为今天）',
    reason: '原因',
    apply: '执行',
    changeTitle: '证书变更（编号不变，§9.3）',
    changeReason: '变更原因',
    changeOn: '变更日期（不填为今天）',
    change: '保存变更',
    changes: '变更与状态记录',
    none: '没有变更记录。',
    kind: '类别',
    what: '内容',
  },
  {
    title: 'Certificate {number}',
    back: 'All certificates',
    fields: 'The certificate',
    number: 'Number',
    client: 'Client (certified organisation)',
    provider: 'Service provider',
    scope: 'Scope',
    modes: 'Certification modes',
    basis: 'Basis',
    issued: 'Issued on',
    valid: 'Validity',
    validRange: '{from} to {to}',
    body: 'Certification body',
    grade: 'Grade',
    changedOn: 'Changed on',
    status: 'Status',
    scores: 'Characteristic scores',
    seal: 'Verification',
    fingerprint: 'Signature fingerprint',
    keyId: 'Signing key',
    scans: 'The public page was opened {n} times',
    pdf: 'Download the PDF',
    publicLink: 'Public verification page',
    qr: 'The QR code printed on the certificate (opens the public page; the signature checks offline too)',
    issueBy: 'Due by {date} (30 days after the passed audit, §6.3)',
    late: 'issued late',
    statusTitle: 'Suspend, reinstate, withdraw',
    action: 'Action',
    suspend: 'Suspend',
    reinstate: 'Reinstate',
    withdraw: 'Withdraw',
    cause: 'Cause of suspension',
    clientRequest: "The client's request (at most 12 months)",
    other: 'Other causes (at most 3 months)',
    on: 'From (empty: today)',
    reason: 'Reason',
    apply: 'Apply',
    changeTitle: 'Change the certificate (same number, §9.3)',
    changeReason: 'Reason for the change',
    changeOn: 'Change date (empty: today)',
    change: 'Save the change',
    changes: 'Changes and status records',
    none: 'No change recorded.',
    kind: 'Kind',
    what: 'What',
  },
);

export const certificateView: OfficeView = async (ctx, main) => {
  const { app } = ctx;
  const id = ctx.params['id'] ?? '';
  const { data: c } = await apiFetch<Certificate>('GET', `/api/certificates/${id}`);
  const admin = ctx.me.role === 'admin';
  replace(
    main,
    pageHeader(
      m(app, 'title', { number: c.number }),
      h('a', { href: c.pdf_url, class: 'button button--small button--primary', 'data-action': 'download-pdf', download: '' }, m(app, 'pdf')),
      h('a', { href: officeHref('certificates'), class: 'button button--small' }, m(app, 'back')),
    ),
    h('div', { class: 'decide-grid' }, fieldsPanel(ctx, c), sealPanel(ctx, c)),
    h('div', { class: 'decide-grid' }, panel({ id: 'certificate-scores-panel' }, m(app, 'scores'), scoresTable(ctx, c.fields.scores, c.titles, 'certificate-scores')), changesPanel(ctx, c)),
    admin ? h('div', { class: 'decide-grid' }, statusForm(ctx, c), changeForm(ctx, c)) : null,
  );
};

function fieldsPanel(ctx: OfficeContext, c: Certificate): HTMLElement {
  const { app } = ctx;
  const f = c.fields;
  const rows: [string, string, string | HTMLElement][] = [
    ['number', m(app, 'number'), f.number],
    ['client', m(app, 'client'), f.client],
    ['provider', m(app, 'provider'), f.provider],
    ['scope', m(app, 'scope'), f.scope],
    ['modes', m(app, 'modes'), f.modes.join('、')],
    ['basis', m(app, 'basis'), f.basis],
    ['issued_on', m(app, 'issued'), f.issued_on],
    ['valid_until', m(app, 'valid'), m(app, 'validRange', { from: f.issued_on, to: f.valid_until })],
    ['body', m(app, 'body'), f.body],
    ['grade', m(app, 'grade'), f.grade ?? '—'],
    ['status', m(app, 'status'), certificateChip(app, c)],
  ];
  if (f.changed_on) rows.push(['changed_on', m(app, 'changedOn'), f.changed_on]);
  return panel(
    { id: 'certificate-fields-panel' },
    m(app, 'fields'),
    h('dl', { class: 'cert-fields', id: 'certificate-fields', 'data-status': c.status }, rows.map(([key, label, value]) => [h('dt', null, label), h('dd', { 'data-cert-field': key }, value)])),
    h('p', { class: c.issued_late ? 'warning' : 'hint' }, m(app, 'issueBy', { date: c.issue_by }), c.issued_late ? ` · ${m(app, 'late')}` : ''),
  );
}

function sealPanel(ctx: OfficeContext, c: Certificate): HTMLElement {
  const { app } = ctx;
  return panel(
    { id: 'certificate-seal' },
    m(app, 'seal'),
    h('p', null, m(app, 'fingerprint'), '：', h('span', { class: 'cert-fingerprint', id: 'certificate-fingerprint' }, c.fingerprint)),
    h('p', { class: 'hint' }, m(app, 'keyId'), '：', c.key_id),
    h('p', null, h('a', { href: c.verification_url, id: 'certificate-public-link', class: 'link cert-link', target: '_blank', rel: 'noopener' }, m(app, 'publicLink'))),
    h('img', { src: `/api/certificates/${c.id}/qr.svg`, alt: m(app, 'qr'), id: 'certificate-qr', class: 'cert-qr', width: 168, height: 168 }),
    h('p', { class: 'hint' }, m(app, 'qr')),
    h('p', { class: 'hint', id: 'certificate-scans', 'data-scans': c.scans }, m(app, 'scans', { n: c.scans })),
  );
}

function changesPanel(ctx: OfficeContext, c: Certificate): HTMLElement {
  const { app } = ctx;
  return panel(
    { id: 'certificate-changes-panel' },
    m(app, 'changes'),
    c.changes.length
      ? dataTable({
          id: 'certificate-changes',
          rows: c.changes,
          rowId: (ch) => `${ch.changed_on}-${ch.kind}`,
          rowProps: (ch) => ({ 'data-kind': ch.kind }),
          columns: [
            { key: 'on', label: m(app, 'changedOn'), cell: (ch) => ch.changed_on, class: 'nowrap' },
            { key: 'kind', label: m(app, 'kind'), cell: (ch) => ch.kind },
            { key: 'reason', label: m(app, 'reason'), cell: (ch) => ch.reason, class: 'wide' },
            { key: 'what', label: m(app, 'what'), cell: (ch) => Object.entries(ch.after).map(([k, v]) => `${k}: ${String(ch.before[k] ?? '—')} → ${String(v)}`).join('；') },
          ],
        })
      : emptyState('certificate-changes', m(app, 'none')),
  );
}

function statusForm(ctx: OfficeContext, c: Certificate): HTMLElement {
  const { app } = ctx;
  const options: [string, string][] = [];
  if (c.status === 'active') options.push(['suspend', m(app, 'suspend')]);
  if (c.status === 'suspended') options.push(['reinstate', m(app, 'reinstate')]);
  if (c.status === 'active' || c.status === 'suspended') options.push(['withdraw', m(app, 'withdraw')]);
  const action = select(options);
  const cause = select([['client_request', m(app, 'clientRequest')], ['other', m(app, 'other')]], { value: 'other' });
  const causeField = field({ name: 'cause', label: m(app, 'cause') }, cause);
  const on = textInput({ type: 'date' });
  const reason = textArea({ rows: 2 });
  const sync = (): void => {
    causeField.hidden = action.value !== 'suspend';
  };
  action.addEventListener('change', sync);
  sync();
  const form = h(
    'form',
    { id: 'certificate-status-form', class: 'form' },
    formErrorSlot(),
    field({ name: 'action', label: m(app, 'action') }, action),
    causeField,
    field({ name: 'on', label: m(app, 'on') }, on),
    field({ name: 'reason', label: m(app, 'reason'), required: true }, reason),
    h('div', { class: 'toolbar' }, h('button', { type: 'submit', class: 'button button--primary', 'data-action': 'apply-status', disabled: options.length === 0 }, m(app, 'apply'))),
  );
  onSubmit(app, form, async () => {
    const body: Record<string, string> = { action: action.value, reason: reason.value };
    if (on.value) body['on'] = on.value;
    if (action.value === 'suspend') body['cause'] = cause.value;
    await apiFetch('POST', `/api/certificates/${c.id}/status`, { json: body });
    ctx.go(`certificates/${c.id}`);
  });
  return panel({ id: 'certificate-status' }, m(app, 'statusTitle'), form);
}

function changeForm(ctx: OfficeContext, c: Certificate): HTMLElement {
  const { app } = ctx;
  const client = textInput({ value: c.fields.client });
  const provider = textInput({ value: c.fields.provider });
  const scope = textArea({ rows: 2, value: c.fields.scope });
  const reason = textArea({ rows: 2 });
  const on = textInput({ type: 'date' });
  const form = h(
    'form',
    { id: 'certificate-change-form', class: 'form' },
    formErrorSlot(),
    field({ name: 'changes.client', label: m(app, 'client') }, client),
    field({ name: 'changes.provider', label: m(app, 'provider') }, provider),
    field({ name: 'changes.scope', label: m(app, 'scope') }, scope),
    field({ name: 'reason', label: m(app, 'changeReason'), required: true }, reason),
    field({ name: 'changed_on', label: m(app, 'changeOn') }, on),
    h('div', { class: 'toolbar' }, h('button', { type: 'submit', class: 'button button--primary', 'data-action': 'change-certificate' }, m(app, 'change'))),
  );
  onSubmit(app, form, async () => {
    const changes: Record<string, string> = {};
    if (client.value !== c.fields.client) changes['client'] = client.value;
    if (provider.value !== c.fields.provider) changes['provider'] = provider.value;
    if (scope.value !== c.fields.scope) changes['scope'] = scope.value;
    const body: Record<string, unknown> = { changes, reason: reason.value };
    if (on.value) body['changed_on'] = on.value;
    await apiFetch('POST', `/api/certificates/${c.id}/changes`, { json: body });
    ctx.go(`certificates/${c.id}`);
  });
  return panel({ id: 'certificate-change' }, m(app, 'changeTitle'), form);
}
