/** One audit plan sent to my organisation: read it, download it, confirm it (§4.4.4 c)). */

import '../planning/planning.css';
import { apiFetch } from '../../data/api';
import { h, replace } from '../../ui/h';
import { dataTable, dateTime, formErrorSlot, onSubmit, pageHeader, panel } from '../kit';
import { engagementKindLabel } from '../labels';
import { defineMessages } from '../messages';
import type { OfficeView } from '../registry';
import { itemsByModeSummary } from '../planning/items-by-mode';
import { known, teamRoleLabel } from '../planning/labels';
import type { PortalPlan } from './api';
import { planChip } from './portal';

const m = defineMessages(
  {
    title: '审查计划（第 {n} 版）',
    purpose: '审查目的',
    basis: '认证依据',
    scope: '审查范围',
    units: '认证单元',
    process: '审查过程及要求',
    sampling: '审查抽样计划',
    items: '服务特性检验项目：{list}',
    survey: '顾客调查样本量',
    departments: '审查涉及的部门和场所',
    site: '场所',
    address: '地址',
    target: '样本量',
    dates: '审查时间',
    range: '{from} 至 {to}，共 {days} 人日',
    team: '审查组成员',
    name: '姓名',
    role: '组内职责',
    confirm: '确认本计划',
    confirmHint: '确认即表示同意按本计划接受审查。计划如有变更，认证机构将通知您重新确认。',
    confirmed: '您已于 {at} 确认第 {n} 版。',
    pdf: '下载 PDF',
    sent: '发出时间：{at}',
    changed: '本计划已变更（第 {n} 版），请重新阅读并确认。',
  },
  {
    title: 'Audit plan (revision {n})',
    purpose: 'Purpose',
    basis: 'Basis',
    scope: 'Scope',
    units: 'Certification units',
    process: 'Process and requirements',
    sampling: 'Sampling plan',
    items: 'Service items: {list}',
    survey: 'Customer survey sample',
    departments: 'Departments and sites',
    site: 'Site',
    address: 'Address',
    target: 'Sample',
    dates: 'Dates',
    range: '{from} to {to}, {days} person-days',
    team: 'Audit team',
    name: 'Name',
    role: 'Role',
    confirm: 'Confirm this plan',
    confirmHint: 'Confirming means you agree to be audited as planned. If the plan changes, you will be asked to confirm again.',
    confirmed: 'You confirmed revision {n} on {at}.',
    pdf: 'Download PDF',
    sent: 'Sent {at}',
    changed: 'This plan changed (revision {n}): please read it again and confirm.',
  },
);

const kindOf = known(engagementKindLabel, ['initial', 'surveillance', 'recertification']);

export const portalPlanView: OfficeView = async (ctx, main) => {
  const { app } = ctx;
  const id = ctx.params['id'] ?? '';
  const { data: p } = await apiFetch<PortalPlan>('GET', `/api/portal/plans/${id}`);
  const c = p.content;
  const section = (title: string, ...body: (HTMLElement | string | null)[]): HTMLElement => h('section', { class: 'plan-section' }, h('h4', null, title), body);
  const text = (value: string): HTMLElement => h('p', { class: 'prewrap' }, value || '—');
  const form = h('form', { class: 'form', id: 'confirm-form' }, formErrorSlot(), h('p', { class: 'hint' }, m(app, 'confirmHint')), h('div', { class: 'toolbar' }, h('button', { type: 'submit', class: 'button button--primary', 'data-action': 'confirm-plan' }, m(app, 'confirm'))));
  onSubmit(app, form, async () => {
    await apiFetch('POST', `/api/portal/plans/${id}/confirm`, { json: { revision: p.revision } });
    ctx.go(`portal/plans/${id}`);
  });
  replace(
    main,
    pageHeader(
      m(app, 'title', { n: p.revision }),
      h('a', { href: `/api/portal/plans/${id}/plan.pdf`, class: 'button button--small', target: '_blank', rel: 'noopener', 'data-action': 'plan-pdf' }, m(app, 'pdf')),
    ),
    h(
      'p',
      { id: 'portal-plan-status', 'data-plan-status': p.status, 'data-revision': p.revision },
      planChip(app, p.status),
      ` ${c.engagement.title} · ${kindOf(app, c.engagement.kind)} · `,
      m(app, 'sent', { at: dateTime(app, p.issued_at) }),
    ),
    p.status === 'issued' && p.confirmed_revision !== null ? h('p', { class: 'warning', role: 'status', 'data-changed': '' }, m(app, 'changed', { n: p.revision })) : null,
    panel(
      { id: 'portal-plan' },
      c.client.name,
      section(m(app, 'purpose'), text(c.purpose)),
      section(m(app, 'basis'), text(c.basis), h('p', null, `${c.scheme.title}（${c.scheme.version}）`)),
      section(m(app, 'scope'), text(c.scope), h('p', null, `${m(app, 'units')}：${c.units.join('、')}`)),
      section(m(app, 'process'), text(c.process)),
      section(
        m(app, 'sampling'),
        c.sampling.service_items.length ? h('p', null, m(app, 'items', { list: c.sampling.service_items.join('、') })) : null,
        // Which items each mode rates, as on the plan PDF (seed 003).
        itemsByModeSummary(app, Object.keys(c.sampling.items_by_mode ?? {}).sort(), c.sampling.items_by_mode ?? {}, 'portal-plan-items-by-mode'),
        c.sampling.survey_targets.length
          ? dataTable({
              id: 'portal-plan-targets',
              rows: c.sampling.survey_targets,
              rowId: (t) => t.site_id,
              columns: [
                { key: 'site', label: m(app, 'site'), cell: (t) => t.site, class: 'wide' },
                { key: 'target', label: m(app, 'survey'), cell: (t) => t.target, class: 'num' },
              ],
            })
          : null,
        c.sampling.note ? text(c.sampling.note) : null,
      ),
      section(
        m(app, 'departments'),
        text(c.departments),
        dataTable({
          id: 'portal-plan-sites',
          rows: c.sites,
          rowId: (s) => s.id,
          columns: [
            { key: 'site', label: m(app, 'site'), cell: (s) => s.name },
            { key: 'address', label: m(app, 'address'), cell: (s) => s.address, class: 'wide' },
          ],
        }),
      ),
      section(m(app, 'dates'), h('p', null, m(app, 'range', { from: c.engagement.starts_on, to: c.engagement.ends_on, days: c.person_days.total ?? '—' }))),
      section(
        m(app, 'team'),
        dataTable({
          id: 'portal-plan-team',
          rows: c.team,
          rowId: (t) => t.name,
          columns: [
            { key: 'name', label: m(app, 'name'), cell: (t) => t.name },
            { key: 'role', label: m(app, 'role'), cell: (t) => teamRoleLabel(app, t.team_role === 'leader' ? 'leader' : 'auditor'), class: 'wide' },
          ],
        }),
      ),
    ),
    p.status === 'issued'
      ? panel({ id: 'portal-confirm' }, m(app, 'confirm'), form)
      : h('p', { class: 'success', id: 'portal-confirmed' }, m(app, 'confirmed', { n: p.confirmed_revision ?? p.revision, at: dateTime(app, p.confirmed_at) })),
  );
};
