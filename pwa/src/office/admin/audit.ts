/** `#/office/audit`: the audit log, newest first, with filters and paging (`before_id`). */

import { apiFetch } from '../../data/api';
import { h, replace } from '../../ui/h';
import { cursorPagedTable, dateTime, emptyState, pageHeader, select, textInput } from '../kit';
import { defineMessages } from '../messages';
import type { OfficeView } from '../registry';
import type { AuditEntry, AuditPage, ManagedUser } from '../types';

const m = defineMessages(
  {
    title: '操作记录',
    action: '操作',
    allActions: '全部操作',
    objectType: '对象类型',
    objectId: '对象编号',
    actor: '操作人',
    anyone: '全部人员',
    since: '起始日期',
    until: '截止日期（含）',
    apply: '筛选',
    reset: '清除筛选',
    at: '时间',
    object: '对象',
    details: '详情',
    ip: 'IP 地址',
    system: '系统',
    empty: '没有符合条件的记录。',
  },
  {
    title: 'Audit log',
    action: 'Action',
    allActions: 'All actions',
    objectType: 'Object type',
    objectId: 'Object id',
    actor: 'Who',
    anyone: 'Anyone',
    since: 'From',
    until: 'To (inclusive)',
    apply: 'Filter',
    reset: 'Clear',
    at: 'Time',
    object: 'Object',
    details: 'Details',
    ip: 'IP address',
    system: 'System',
    empty: 'Nothing recorded matches.',
  },
);

/** The actions people look for, in words (the code is shown beside them). */
const ACTIONS = defineMessages(
  {
    'auth.login': '登录',
    'auth.login_failed': '登录失败',
    'auth.logout': '退出登录',
    'auth.session_ended': '结束会话',
    'user.created': '创建用户',
    'user.updated': '修改用户',
    'user.password_changed': '修改密码',
    'user.password_reset': '重置密码',
    'user.sign_in_unlocked': '解除登录锁定',
    'device.paired': '配对设备',
    'device.revoked': '撤销设备',
    'organisation.updated': '修改机构设置',
    'organisation.logo_set': '上传报告徽标',
    'organisation.logo_removed': '删除报告徽标',
    'scheme.imported': '导入认证方案',
    'client.created': '创建委托方',
    'unit.created': '创建认证单元',
    'site.created': '创建服务场所',
    'engagement.created': '策划认证项目',
    'engagement.updated': '修改认证项目',
    'assignment.created': '派发走访任务',
    'assignment.cancelled': '取消走访任务',
    'evaluation.submitted': '提交评价',
    'evaluation.accepted': '接受评价',
    'evaluation.returned': '退回评价',
    'evidence.original_read': '查看照片原件',
    'survey_contact.read': '查看调查联系方式',
    'scheme.made_current': '设为现行方案版本',
    'application.created': '登记认证申请',
    'application.document_added': '补充申请材料',
    'application.accepted': '受理认证申请',
    'application.not_accepted': '不予受理申请',
    'application.engagement_planned': '据申请策划项目',
    'audit_plan.saved': '保存审查计划',
    'audit_plan.issued': '发出审查计划',
    'audit_plan.confirmed': '委托方确认审查计划',
    'audit_plan.changed_after_confirmation': '确认后变更审查计划',
    'document_review.recorded': '记录文件审查结论',
    'engagement.on_site_recorded': '记录现场审查结果',
    'engagement.reviewed': '完成认证复核',
    'engagement.decided': '作出认证决定',
    'engagement.exported': '导出认证档案',
    'nonconformity.opened': '开具不符合项',
    'nonconformity.answered': '提交整改回复',
    'nonconformity.returned': '退回整改',
    'nonconformity.closed': '验证关闭不符合项',
    'nonconformity.reminded': '整改期限提醒',
    'nonconformity.overdue.audit_failed': '逾期未整改：审查不通过',
    'nonconformity.overdue.certificate_suspended': '逾期未整改：暂停证书',
    'certificate.issued': '颁发证书',
    'certificate.changed': '变更证书',
    'certificate.suspend': '暂停证书',
    'certificate.reinstate': '恢复证书',
    'certificate.withdraw': '撤销证书',
    'certificate.expired': '证书到期',
    'certificate.recertification_applied': '申请再认证',
    'surveillance.planned': '安排监督审查',
    'surveillance.concluded': '监督审查结论',
    'surveillance.extended': '监督审查延期至年底',
    'surveillance.extra_decided': '决定增加监督审查',
    'recertification.concluded': '再认证审查结论',
  },
  {
    'auth.login': 'Sign-in',
    'auth.login_failed': 'Failed sign-in',
    'auth.logout': 'Sign-out',
    'auth.session_ended': 'Session ended',
    'user.created': 'User created',
    'user.updated': 'User changed',
    'user.password_changed': 'Password changed',
    'user.password_reset': 'Password reset',
    'user.sign_in_unlocked': 'Sign-in unlocked',
    'device.paired': 'Device paired',
    'device.revoked': 'Device revoked',
    'organisation.updated': 'Organisation changed',
    'organisation.logo_set': 'Report logo uploaded',
    'organisation.logo_removed': 'Report logo removed',
    'scheme.imported': 'Scheme imported',
    'client.created': 'Client created',
    'unit.created': 'Unit created',
    'site.created': 'Site created',
    'engagement.created': 'Engagement planned',
    'engagement.updated': 'Engagement changed',
    'assignment.created': 'Visit assigned',
    'assignment.cancelled': 'Visit cancelled',
    'evaluation.submitted': 'Evaluation submitted',
    'evaluation.accepted': 'Evaluation accepted',
    'evaluation.returned': 'Evaluation returned',
    'evidence.original_read': 'Original photo opened',
    'survey_contact.read': 'Survey contact read',
    'scheme.made_current': 'Scheme version made current',
    'application.created': 'Application registered',
    'application.document_added': 'Application document added',
    'application.accepted': 'Application accepted',
    'application.not_accepted': 'Application not accepted',
    'application.engagement_planned': 'Engagement planned from application',
    'audit_plan.saved': 'Audit plan saved',
    'audit_plan.issued': 'Audit plan issued',
    'audit_plan.confirmed': 'Audit plan confirmed by the client',
    'audit_plan.changed_after_confirmation': 'Audit plan changed after confirmation',
    'document_review.recorded': 'Document review recorded',
    'engagement.on_site_recorded': 'On-site record saved',
    'engagement.reviewed': 'File reviewed',
    'engagement.decided': 'Certification decided',
    'engagement.exported': 'Certification file exported',
    'nonconformity.opened': 'Nonconformity opened',
    'nonconformity.answered': 'Nonconformity answered',
    'nonconformity.returned': 'Nonconformity answer returned',
    'nonconformity.closed': 'Nonconformity closed',
    'nonconformity.reminded': 'Rectification reminder sent',
    'nonconformity.overdue.audit_failed': 'Overdue: audit failed',
    'nonconformity.overdue.certificate_suspended': 'Overdue: certificate suspended',
    'certificate.issued': 'Certificate issued',
    'certificate.changed': 'Certificate changed',
    'certificate.suspend': 'Certificate suspended',
    'certificate.reinstate': 'Certificate reinstated',
    'certificate.withdraw': 'Certificate withdrawn',
    'certificate.expired': 'Certificate expired',
    'certificate.recertification_applied': 'Recertification applied for',
    'surveillance.planned': 'Surveillance audit planned',
    'surveillance.concluded': 'Surveillance audit concluded',
    'surveillance.extended': 'Surveillance extended to year end',
    'surveillance.extra_decided': 'Extra surveillance decided',
    'recertification.concluded': 'Recertification audit concluded',
  },
);
const ACTION_CODES = [
  'auth.login', 'auth.login_failed', 'auth.logout', 'auth.session_ended', 'user.created', 'user.updated', 'user.password_changed',
  'user.password_reset', 'user.sign_in_unlocked', 'device.paired', 'device.revoked', 'organisation.updated', 'organisation.logo_set',
  'organisation.logo_removed', 'scheme.imported', 'client.created', 'unit.created', 'site.created', 'engagement.created',
  'engagement.updated', 'assignment.created', 'assignment.cancelled', 'evaluation.submitted', 'evaluation.accepted',
  'evaluation.returned', 'evidence.original_read', 'survey_contact.read',
  'scheme.made_current', 'application.created', 'application.document_added', 'application.accepted', 'application.not_accepted',
  'application.engagement_planned', 'audit_plan.saved', 'audit_plan.issued', 'audit_plan.confirmed',
  'audit_plan.changed_after_confirmation', 'document_review.recorded', 'engagement.on_site_recorded', 'engagement.reviewed',
  'engagement.decided', 'engagement.exported', 'nonconformity.opened', 'nonconformity.answered', 'nonconformity.returned',
  'nonconformity.closed', 'nonconformity.reminded', 'nonconformity.overdue.audit_failed',
  'nonconformity.overdue.certificate_suspended', 'certificate.issued', 'certificate.changed', 'certificate.suspend',
  'certificate.reinstate', 'certificate.withdraw', 'certificate.expired', 'certificate.recertification_applied',
  'surveillance.planned', 'surveillance.concluded', 'surveillance.extended', 'surveillance.extra_decided',
  'recertification.concluded',
] as const;

function actionText(app: Parameters<typeof m>[0], action: string): string {
  return (ACTION_CODES as readonly string[]).includes(action) ? ACTIONS(app, action as (typeof ACTION_CODES)[number]) : action;
}

/** A day in the browser's time zone as an instant with its offset (the API wants one). */
function dayStart(value: string, plusDays = 0): string | null {
  if (!value) return null;
  const [y, mo, d] = value.split('-').map(Number);
  if (!y || !mo || !d) return null;
  return new Date(y, mo - 1, d + plusDays).toISOString();
}

function summary(details: Record<string, unknown>): string {
  const text = JSON.stringify(details);
  return text === '{}' ? '' : text.length > 160 ? `${text.slice(0, 157)}…` : text;
}

export const auditView: OfficeView = async (ctx, main) => {
  const { app } = ctx;
  const { data: users } = await apiFetch<ManagedUser[]>('GET', '/api/users');
  const names = new Map(users.map((u) => [u.id, u.display_name]));
  const action = select([['', m(app, 'allActions')], ...ACTION_CODES.map((a) => [a, `${ACTIONS(app, a)} (${a})`] as const)], { id: 'audit-action' });
  const objectType = textInput({ id: 'audit-object-type', placeholder: 'user, site, engagement…' });
  const objectId = textInput({ id: 'audit-object-id' });
  const actor = select([['', m(app, 'anyone')], ...users.map((u) => [u.id, u.display_name] as const)], { id: 'audit-actor' });
  const since = h('input', { type: 'date', id: 'audit-since', class: 'input' });
  const until = h('input', { type: 'date', id: 'audit-until', class: 'input' });
  const results = h('div', { id: 'audit-results' });
  const labelled = (label: string, control: HTMLElement): HTMLElement => h('div', { class: 'field' }, h('label', { for: control.id }, label), control);

  const run = (): void => {
    const query = new URLSearchParams({ limit: '25' });
    if (action.value) query.set('action', action.value);
    if (objectType.value.trim()) query.set('object_type', objectType.value.trim());
    if (objectId.value.trim()) query.set('object_id', objectId.value.trim());
    if (actor.value) query.set('actor', actor.value);
    const from = dayStart(since.value);
    const to = dayStart(until.value, 1);
    if (from) query.set('since', from);
    if (to) query.set('until', to);
    replace(
      results,
      cursorPagedTable<AuditEntry>(app, {
        id: 'audit-table',
        rowId: (e) => String(e.id),
        rowProps: (e) => ({ 'data-action': e.action }),
        empty: emptyState('audit', m(app, 'empty')),
        load: async (cursor) => {
          const page = new URLSearchParams(query);
          if (cursor) page.set('before_id', cursor);
          const { data } = await apiFetch<AuditPage>('GET', `/api/audit?${page.toString()}`);
          return { items: data.items, next: data.next_before_id === null ? null : String(data.next_before_id) };
        },
        columns: [
          { key: 'at', label: m(app, 'at'), cell: (e) => dateTime(app, e.at), class: 'nowrap' },
          { key: 'actor', label: m(app, 'actor'), cell: (e) => (e.actor_id ? (names.get(e.actor_id) ?? e.actor_id) : m(app, 'system')) },
          { key: 'action', label: m(app, 'action'), cell: (e) => [actionText(app, e.action), h('br'), h('code', { class: 'muted' }, e.action)] },
          { key: 'object', label: m(app, 'object'), cell: (e) => [e.object_type, e.object_id ? h('br') : null, e.object_id ? h('code', { class: 'muted' }, e.object_id) : null] },
          { key: 'details', label: m(app, 'details'), cell: (e) => h('code', { class: 'details' }, [e.reason ?? '', ' ', summary(e.details)]), class: 'wide' },
          { key: 'ip', label: m(app, 'ip'), cell: (e) => e.ip ?? '', class: 'nowrap' },
        ],
      }),
    );
  };
  const filters = h(
    'form',
    { class: 'filters', id: 'audit-filters' },
    labelled(m(app, 'action'), action),
    labelled(m(app, 'actor'), actor),
    labelled(m(app, 'objectType'), objectType),
    labelled(m(app, 'objectId'), objectId),
    labelled(m(app, 'since'), since),
    labelled(m(app, 'until'), until),
    h('button', { type: 'submit', class: 'button button--primary', id: 'audit-apply' }, m(app, 'apply')),
    h('button', { type: 'reset', class: 'button', id: 'audit-reset' }, m(app, 'reset')),
  );
  filters.addEventListener('submit', (event) => {
    event.preventDefault();
    run();
  });
  filters.addEventListener('reset', () => setTimeout(run, 0));
  replace(main, pageHeader(m(app, 'title')), filters, results);
  run();
};
