/**
 * The client portal (认证委托人): my applications and the documents still asked for, audit plans
 * to confirm, my engagements with their accepted results. Never a shopper, a GPS fix, a visit
 * time or a respondent's contact: the API answers none (backend/planning/portal.py).
 */

import '../planning/planning.css';
import { apiFetch } from '../../data/api';
import { h, replace } from '../../ui/h';
import { dataTable, emptyState, pageHeader, panel, statusChip } from '../kit';
import { engagementKindLabel } from '../labels';
import { defineMessages } from '../messages';
import { officeHref, type OfficeView } from '../registry';
import type { Application } from '../planning/api';
import { applicationStatusLabel, docTypeLabel, known, outcomeLabel, OUTCOMES, planStatusLabel, reasonLabel } from '../planning/labels';
import type { PortalEngagement, PortalPlan } from './api';

const m = defineMessages(
  {
    title: '我的认证',
    applications: '认证申请',
    noApplications: '还没有认证申请。',
    received: '收到日期',
    status: '状态',
    asked: '请补交的材料',
    nothingAsked: '无',
    reasons: '不予受理的原因',
    plans: '审查计划',
    noPlans: '还没有收到审查计划。',
    engagement: '认证项目',
    revision: '版本',
    open: '查看并确认',
    view: '查看',
    engagements: '认证项目与结果',
    noEngagements: '还没有认证项目。',
    dates: '审查日期',
    review: '文件审核',
    results: '已确认的评价',
    scores: '查看得分',
  },
  {
    title: 'My certification',
    applications: 'Applications',
    noApplications: 'No application yet.',
    received: 'Received',
    status: 'Status',
    asked: 'Documents to send',
    nothingAsked: 'None',
    reasons: 'Why not accepted',
    plans: 'Audit plans',
    noPlans: 'No audit plan received yet.',
    engagement: 'Engagement',
    revision: 'Revision',
    open: 'Read and confirm',
    view: 'View',
    engagements: 'Engagements and results',
    noEngagements: 'No engagement yet.',
    dates: 'Audit dates',
    review: 'Document review',
    results: 'Accepted evaluations',
    scores: 'Scores',
  },
);

const appStatus = known(applicationStatusLabel, ['submitted', 'accepted', 'not_accepted']);
const planStatus = known(planStatusLabel, ['draft', 'issued', 'confirmed']);
const kindOf = known(engagementKindLabel, ['initial', 'surveillance', 'recertification']);
const outcomeOf = known(outcomeLabel, [...OUTCOMES]);

export function planChip(app: { i18n: { locale: string } }, status: string): HTMLElement {
  return statusChip(status, planStatus(app, status), status === 'confirmed' ? 'good' : 'warn');
}

export const portalView: OfficeView = async (ctx, main) => {
  const { app } = ctx;
  const [{ data: applications }, { data: plans }, { data: engagements }] = await Promise.all([
    apiFetch<Application[]>('GET', '/api/portal/applications'),
    apiFetch<PortalPlan[]>('GET', '/api/portal/plans'),
    apiFetch<PortalEngagement[]>('GET', '/api/portal/engagements'),
  ]);
  const asked = (a: Application): string =>
    a.missing_documents.length ? a.missing_documents.map((d) => docTypeLabel(app, d as 'other')).join('、') : m(app, 'nothingAsked');
  replace(
    main,
    pageHeader(m(app, 'title')),
    panel(
      { id: 'portal-plans' },
      m(app, 'plans'),
      plans.length
        ? dataTable({
            id: 'portal-plans-table',
            rows: plans,
            rowId: (p) => p.engagement_id,
            columns: [
              { key: 'engagement', label: m(app, 'engagement'), cell: (p) => p.content.engagement.title, class: 'wide' },
              { key: 'dates', label: m(app, 'dates'), cell: (p) => `${p.content.engagement.starts_on} – ${p.content.engagement.ends_on}`, class: 'nowrap' },
              { key: 'revision', label: m(app, 'revision'), cell: (p) => p.revision, class: 'num' },
              { key: 'status', label: m(app, 'status'), cell: (p) => planChip(app, p.status) },
              {
                key: 'open',
                label: '',
                cell: (p) => h('a', { href: officeHref('portal/plans', p.engagement_id), class: p.status === 'issued' ? 'button button--primary button--small' : 'link', 'data-action': 'open-plan' }, p.status === 'issued' ? m(app, 'open') : m(app, 'view')),
              },
            ],
          })
        : emptyState('portal-plans', m(app, 'noPlans')),
    ),
    panel(
      { id: 'portal-applications' },
      m(app, 'applications'),
      applications.length
        ? dataTable({
            id: 'portal-applications-table',
            rows: applications,
            rowId: (a) => a.id,
            columns: [
              { key: 'scheme', label: m(app, 'engagement'), cell: (a) => `${app.text(a.scheme_version.title)} · ${kindOf(app, a.kind)}`, class: 'wide' },
              { key: 'received', label: m(app, 'received'), cell: (a) => a.received_on, class: 'nowrap' },
              { key: 'status', label: m(app, 'status'), cell: (a) => statusChip(a.status, appStatus(app, a.status), a.status === 'not_accepted' ? 'bad' : a.status === 'accepted' ? 'good' : 'info') },
              { key: 'asked', label: m(app, 'asked'), cell: (a) => (a.status === 'submitted' ? asked(a) : '') },
              { key: 'reasons', label: m(app, 'reasons'), cell: (a) => a.refusal_reasons.map((r) => reasonLabel(app, r as 'other')).join('；') },
            ],
          })
        : emptyState('portal-applications', m(app, 'noApplications')),
    ),
    panel(
      { id: 'portal-engagements' },
      m(app, 'engagements'),
      engagements.length
        ? dataTable({
            id: 'portal-engagements-table',
            rows: engagements,
            rowId: (e) => e.id,
            columns: [
              { key: 'title', label: m(app, 'engagement'), cell: (e) => e.title, class: 'wide' },
              { key: 'dates', label: m(app, 'dates'), cell: (e) => `${e.starts_on} – ${e.ends_on}`, class: 'nowrap' },
              {
                key: 'review',
                label: m(app, 'review'),
                cell: (e) =>
                  e.document_review
                    ? h('div', null, outcomeOf(app, e.document_review.outcome), e.document_review.requested.length ? h('ul', null, e.document_review.requested.map((r) => h('li', null, r))) : null)
                    : '',
              },
              { key: 'results', label: m(app, 'results'), cell: (e) => e.accepted_evaluations, class: 'num' },
              { key: 'scores', label: '', cell: (e) => (e.accepted_evaluations ? h('a', { href: officeHref('portal/engagements', e.id), class: 'link' }, m(app, 'scores')) : '') },
            ],
          })
        : emptyState('portal-engagements', m(app, 'noEngagements')),
    ),
  );
};
