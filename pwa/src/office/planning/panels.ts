/** The team leader's home panel: applications waiting for review or for their engagement. */

import { apiFetch } from '../../data/api';
import { h, replace } from '../../ui/h';
import { dataTable, emptyState, panel, statusChip } from '../kit';
import { defineMessages } from '../messages';
import { officeHref, type OfficeView } from '../registry';
import type { Application } from './api';
import { applicationStatusLabel, docTypeLabel } from './labels';

const m = defineMessages(
  {
    title: '待处理的认证申请',
    none: '没有待处理的认证申请。',
    client: '委托方',
    received: '收到日期',
    status: '状态',
    missing: '待补材料',
    complete: '齐全',
    toPlan: '待策划',
    all: '全部申请',
    record: '登记申请',
  },
  {
    title: 'Applications to handle',
    none: 'No application waiting.',
    client: 'Client',
    received: 'Received',
    status: 'Status',
    missing: 'Documents missing',
    complete: 'Complete',
    toPlan: 'To plan',
    all: 'All applications',
    record: 'Record an application',
  },
);

export const applicationsPanel: OfficeView = async (ctx, slot) => {
  const { app } = ctx;
  const { data } = await apiFetch<Application[]>('GET', '/api/applications');
  // Work waiting: applications to review, and accepted ones without their engagement yet.
  const open = data.filter((a) => a.status === 'submitted' || (a.status === 'accepted' && a.engagement_id === null));
  replace(
    slot,
    panel(
      { id: 'home-applications' },
      m(app, 'title'),
      open.length
        ? dataTable({
            id: 'home-applications-table',
            rows: open,
            rowId: (a) => a.id,
            columns: [
              { key: 'client', label: m(app, 'client'), cell: (a) => h('a', { href: officeHref('applications', a.id), class: 'link' }, a.client.name), class: 'wide' },
              { key: 'received', label: m(app, 'received'), cell: (a) => a.received_on, class: 'nowrap' },
              {
                key: 'status',
                label: m(app, 'status'),
                cell: (a) =>
                  a.status === 'accepted'
                    ? statusChip('to_plan', m(app, 'toPlan'), 'info')
                    : statusChip(a.status, applicationStatusLabel(app, 'submitted'), 'warn'),
              },
              {
                key: 'missing',
                label: m(app, 'missing'),
                cell: (a) => (a.missing_documents.length ? a.missing_documents.map((d) => docTypeLabel(app, d as 'other')).join('、') : m(app, 'complete')),
              },
            ],
          })
        : emptyState('home-applications', m(app, 'none')),
      h(
        'div',
        { class: 'toolbar' },
        h('a', { href: officeHref('applications'), class: 'button button--small' }, m(app, 'all')),
        h('a', { href: officeHref('engagements/new'), class: 'button button--primary button--small' }, m(app, 'record')),
      ),
    ),
  );
};
