/** The panels of the role homes: each shows the work waiting, read from the API. */

import { apiFetch } from '../../data/api';
import { PagedQueues } from '../../data/queues';
import { modeLabel, type App } from '../../ui/app';
import { h, replace } from '../../ui/h';
import type { EvaluationSummary } from '../../ui/types';
import { dataTable, dateTime, emptyState, loadMoreButton, panel, statusChip, type ChipTone } from '../kit';
import { engagementKindLabel, engagementStatusLabel, isRole, roleLabel, ROLES } from '../labels';
import { defineMessages } from '../messages';
import { canOpen, matchOfficeRoute, officeHref, type OfficeContext, type OfficeView } from '../registry';
import type { AuditPage, Client, Engagement, ManagedUser, SchemeVersion, Site, Unit } from '../types';

const m = defineMessages(
  {
    users: '用户',
    usersActive: '在用账号 {n} 个，已停用 {off} 个',
    manageUsers: '管理用户',
    invite: '添加用户',
    audit: '最近的操作记录',
    auditAll: '查看全部记录',
    auditEmpty: '还没有操作记录。',
    at: '时间',
    action: '操作',
    object: '对象',
    schemes: '认证方案版本',
    schemesEmpty: '还没有导入认证方案：请导入方案文件。',
    importScheme: '导入方案',
    scheme: '方案',
    version: '版本',
    status: '状态',
    importedAt: '导入时间',
    complete: '完整',
    incomplete: '缺条款',
    engagements: '认证项目',
    engagementsEmpty: '暂无进行中的认证项目。',
    plan: '策划认证项目',
    planning: '策划',
    title: '项目',
    client: '委托方',
    kind: '类型',
    dates: '日期',
    sites: '场所',
    review: '待复核的评价',
    reviewEmpty: '没有待复核的评价。',
    site: '场所',
    mode: '方式',
    evaluator: '评价人',
    submitted: '提交时间',
    myClient: '我的单位',
    units: '认证单元 {n} 个，服务场所 {sites} 个',
    noClient: '你的账号没有关联委托方：请联系认证机构管理员。',
    directory: '查看认证单元与场所',
  },
  {
    users: 'Users',
    usersActive: '{n} active accounts, {off} deactivated',
    manageUsers: 'Manage users',
    invite: 'Add a user',
    audit: 'Recent activity',
    auditAll: 'The whole audit log',
    auditEmpty: 'Nothing recorded yet.',
    at: 'Time',
    action: 'Action',
    object: 'Object',
    schemes: 'Scheme versions',
    schemesEmpty: 'No scheme imported yet: import a scheme file.',
    importScheme: 'Import a scheme',
    scheme: 'Scheme',
    version: 'Version',
    status: 'Status',
    importedAt: 'Imported',
    complete: 'Complete',
    incomplete: 'Clauses missing',
    engagements: 'Engagements',
    engagementsEmpty: 'No engagement under way.',
    plan: 'Plan an engagement',
    planning: 'Planning',
    title: 'Engagement',
    client: 'Client',
    kind: 'Kind',
    dates: 'Dates',
    sites: 'Sites',
    review: 'Evaluations to review',
    reviewEmpty: 'Nothing waits for review.',
    site: 'Site',
    mode: 'Mode',
    evaluator: 'Evaluator',
    submitted: 'Submitted',
    myClient: 'My organisation',
    units: '{n} certification units, {sites} service sites',
    noClient: 'Your account is linked to no client: ask the certification body’s administrator.',
    directory: 'Units and sites',
  },
);

/** A link to an office route, or nothing when it is not registered or not for this role. */
export function routeLink(ctx: OfficeContext, path: string, label: string, cls = 'button button--small'): HTMLElement | null {
  const found = matchOfficeRoute(path === '' ? [] : path.split('/'));
  if (found === null || !canOpen(found.route, ctx.me.role)) return null;
  return h('a', { href: officeHref(path), class: cls, 'data-link': path }, label);
}

export const usersPanel: OfficeView = async (ctx, slot) => {
  const { app } = ctx;
  const { data: users } = await apiFetch<ManagedUser[]>('GET', '/api/users');
  const active = users.filter((u) => u.is_active);
  const byRole = ROLES.map((role) => [role, active.filter((u) => u.role === role).length] as const).filter(([, n]) => n > 0);
  replace(
    slot,
    panel(
      { id: 'home-users' },
      m(app, 'users'),
      h('p', { 'data-count': active.length }, m(app, 'usersActive', { n: active.length, off: users.length - active.length })),
      h(
        'ul',
        { class: 'chips' },
        byRole.map(([role, n]) => h('li', { class: 'chip', 'data-role-count': role }, `${isRole(role) ? roleLabel(app, role) : role} ${n}`)),
      ),
      h('div', { class: 'toolbar' }, routeLink(ctx, 'users', m(app, 'manageUsers')), routeLink(ctx, 'users/new', m(app, 'invite'))),
    ),
  );
};

export const auditPanel: OfficeView = async (ctx, slot) => {
  const { app } = ctx;
  const { data } = await apiFetch<AuditPage>('GET', '/api/audit?limit=8');
  replace(
    slot,
    panel(
      { id: 'home-audit' },
      m(app, 'audit'),
      data.items.length
        ? dataTable({
            id: 'home-audit-table',
            rows: data.items,
            rowId: (e) => String(e.id),
            columns: [
              { key: 'at', label: m(app, 'at'), cell: (e) => dateTime(app, e.at), class: 'nowrap' },
              { key: 'action', label: m(app, 'action'), cell: (e) => h('code', null, e.action) },
              { key: 'object', label: m(app, 'object'), cell: (e) => e.object_type },
            ],
          })
        : emptyState('home-audit', m(app, 'auditEmpty')),
      h('div', { class: 'toolbar' }, routeLink(ctx, 'audit', m(app, 'auditAll'))),
    ),
  );
};

export function schemeStatusChip(app: App, status: string): HTMLElement {
  return status === 'complete'
    ? statusChip('complete', m(app, 'complete'), 'good')
    : statusChip(status, status === 'incomplete' ? m(app, 'incomplete') : status, 'warn');
}

export const schemesPanel: OfficeView = async (ctx, slot) => {
  const { app } = ctx;
  const { data: versions } = await apiFetch<SchemeVersion[]>('GET', '/api/schemes');
  replace(
    slot,
    panel(
      { id: 'home-schemes' },
      m(app, 'schemes'),
      versions.length
        ? dataTable({
            id: 'home-schemes-table',
            rows: versions,
            rowId: (v) => v.id,
            columns: [
              { key: 'title', label: m(app, 'scheme'), cell: (v) => routeLink(ctx, `schemes/${v.id}`, app.text(v.title), 'link') ?? app.text(v.title), class: 'wide' },
              { key: 'version', label: m(app, 'version'), cell: (v) => `${v.scheme_id} ${v.version}` },
              { key: 'status', label: m(app, 'status'), cell: (v) => schemeStatusChip(app, v.status) },
              { key: 'imported', label: m(app, 'importedAt'), cell: (v) => dateTime(app, v.imported_at), class: 'nowrap' },
            ],
          })
        : emptyState('home-schemes', m(app, 'schemesEmpty')),
      h('div', { class: 'toolbar' }, routeLink(ctx, 'schemes/import', m(app, 'importScheme'))),
    ),
  );
};

const STATUS_TONE: Record<string, ChipTone> = { planned: 'info', fieldwork: 'warn', review: 'warn', decided: 'good', closed: 'neutral' };

export function engagementChip(app: App, status: string): HTMLElement {
  const known = ['planned', 'fieldwork', 'review', 'decided', 'closed'].includes(status);
  return statusChip(status, known ? engagementStatusLabel(app, status as 'planned') : status, STATUS_TONE[status] ?? 'neutral');
}

export const engagementsPanel: OfficeView = async (ctx, slot) => {
  const { app, me } = ctx;
  const { data } = await apiFetch<Engagement[]>('GET', '/api/engagements');
  // Team leaders: the engagements they lead first; closed ones are history, not work.
  const open = data
    .filter((e) => e.status !== 'closed')
    .sort((a, b) => {
      const lead = (e: Engagement): number => (e.team?.some((t) => t.user_id === me.id && t.team_role === 'leader') ? 0 : 1);
      return lead(a) - lead(b) || a.starts_on.localeCompare(b.starts_on);
    });
  const kind = (k: string): string => (['initial', 'surveillance', 'recertification'].includes(k) ? engagementKindLabel(app, k as 'initial') : k);
  replace(
    slot,
    panel(
      { id: 'home-engagements' },
      m(app, 'engagements'),
      open.length
        ? dataTable({
            id: 'home-engagements-table',
            rows: open,
            rowId: (e) => e.id,
            columns: [
              // The engagement page (where it stands, its scores); the team leader's planning beside it.
              { key: 'title', label: m(app, 'title'), cell: (e) => routeLink(ctx, `engagements/${e.id}/overview`, e.title, 'link') ?? e.title, class: 'wide' },
              { key: 'client', label: m(app, 'client'), cell: (e) => e.client.name },
              { key: 'kind', label: m(app, 'kind'), cell: (e) => kind(e.kind) },
              { key: 'status', label: m(app, 'status'), cell: (e) => engagementChip(app, e.status) },
              { key: 'dates', label: m(app, 'dates'), cell: (e) => `${e.starts_on} – ${e.ends_on}`, class: 'nowrap' },
              { key: 'sites', label: m(app, 'sites'), cell: (e) => e.sites.length, class: 'num' },
              ...(me.role === 'team_leader' ? [{ key: 'planning', label: m(app, 'planning'), cell: (e: Engagement) => routeLink(ctx, `engagements/${e.id}`, m(app, 'planning'), 'link') }] : []),
            ],
          })
        : emptyState('home-engagements', m(app, 'engagementsEmpty')),
      h('div', { class: 'toolbar' }, routeLink(ctx, 'engagements/new', m(app, 'plan'), 'button button--primary button--small')),
    ),
  );
};

export const reviewPanel: OfficeView = async (ctx, slot) => {
  const { app } = ctx;
  const { data: engagements } = await apiFetch<Engagement[]>('GET', '/api/engagements');
  // The first page of each queue; more on request (issue 13: a queue of thousands costs a page).
  const queues = new PagedQueues<Engagement, EvaluationSummary>(engagements, (e) => `/api/engagements/${e.id}/evaluations?status=submitted`);
  await queues.loadMore();
  const render = (): void => {
    const rows = queues.rows;
    replace(
      slot,
      panel(
        { id: 'home-review' },
        m(app, 'review'),
        rows.length
          ? dataTable({
              id: 'home-review-table',
              rows,
              rowId: (r) => r.evaluation.id,
              rowProps: (r) => ({ 'data-evaluation-id': r.evaluation.id }),
              columns: [
                {
                  key: 'site',
                  label: m(app, 'site'),
                  cell: (r) => h('a', { href: `#/review/${r.evaluation.id}`, class: 'link' }, r.engagement.sites.find((s) => s.id === r.evaluation.site_id)?.name ?? r.evaluation.site_id),
                  class: 'wide',
                },
                { key: 'engagement', label: m(app, 'title'), cell: (r) => r.engagement.title },
                { key: 'mode', label: m(app, 'mode'), cell: (r) => modeLabel(app, r.evaluation.mode) },
                { key: 'evaluator', label: m(app, 'evaluator'), cell: (r) => r.evaluation.evaluator.display_name },
                { key: 'submitted', label: m(app, 'submitted'), cell: (r) => dateTime(app, r.evaluation.submitted_at), class: 'nowrap' },
              ],
            })
          : emptyState('home-review', m(app, 'reviewEmpty')),
        queues.hasMore
          ? loadMoreButton(app, 'home-review', async () => {
              await queues.loadMore();
              render();
            })
          : null,
      ),
    );
  };
  render();
};

export const clientPanel: OfficeView = async (ctx, slot) => {
  const { app } = ctx;
  const { data: clients } = await apiFetch<Client[]>('GET', '/api/clients');
  const client = clients[0];
  if (client === undefined) {
    replace(slot, panel({ id: 'home-client' }, m(app, 'myClient'), emptyState('home-client', m(app, 'noClient'))));
    return;
  }
  const { data: units } = await apiFetch<Unit[]>('GET', `/api/clients/${client.id}/units`);
  const sites = await Promise.all(units.map((u) => apiFetch<Site[]>('GET', `/api/units/${u.id}/sites`).then((r) => r.data)));
  const siteCount = sites.reduce((n, list) => n + list.length, 0);
  replace(
    slot,
    panel(
      { id: 'home-client', 'data-client-id': client.id },
      m(app, 'myClient'),
      h('p', null, h('strong', null, client.name), client.service_provider ? ` · ${client.service_provider}` : ''),
      h('p', { 'data-units': units.length, 'data-sites': siteCount }, m(app, 'units', { n: units.length, sites: siteCount })),
      h('div', { class: 'toolbar' }, routeLink(ctx, `clients/${client.id}`, m(app, 'directory'))),
    ),
  );
};
