/**
 * The body's certificates (CQC rule §6.3, §9) and, for administrators, the decided engagements
 * waiting for theirs (due within 30 days of the passed audit, §6.3). Issuing is the
 * administrators' (backend/certificates/routes.py); the server refuses an engagement whose
 * decision did not approve certification (NOT_APPROVED).
 */

import './decide.css';
import { apiFetch } from '../../data/api';
import { h, replace } from '../../ui/h';
import { dataTable, emptyState, localPagedTable, pageHeader, panel, showErrors } from '../kit';
import { defineMessages } from '../messages';
import { officeHref, type OfficeContext, type OfficeView } from '../registry';
import { certificateChip, type Certificate } from './api';

interface EngagementRow {
  id: string;
  title: string;
  status: string;
  ends_on: string;
  client: { id: string; name: string };
}

const m = defineMessages(
  {
    title: '证书',
    none: '还没有颁发证书。',
    number: '证书编号',
    client: '获证组织',
    grade: '等级',
    status: '状态',
    issued: '颁发日期',
    valid: '有效期至',
    open: '查看',
    toIssue: '待颁发证书',
    toIssueNone: '没有等待颁发证书的项目。',
    engagement: '认证项目',
    ended: '审查结束',
    issue: '颁发证书',
    issuing: '正在颁发…',
  },
  {
    title: 'Certificates',
    none: 'No certificate issued yet.',
    number: 'Number',
    client: 'Certified organisation',
    grade: 'Grade',
    status: 'Status',
    issued: 'Issued',
    valid: 'Valid until',
    open: 'Open',
    toIssue: 'Certificates to issue',
    toIssueNone: 'No engagement waits for its certificate.',
    engagement: 'Engagement',
    ended: 'Audit ended',
    issue: 'Issue the certificate',
    issuing: 'Issuing…',
  },
);

export function certificatesTable(ctx: OfficeContext, rows: readonly Certificate[], id: string, href: (c: Certificate) => string): HTMLElement {
  const { app } = ctx;
  return localPagedTable(app, {
    id,
    rows,
    rowId: (c) => c.id,
    rowProps: (c) => ({ 'data-status': c.status, 'data-number': c.number }),
    columns: [
      { key: 'number', label: m(app, 'number'), cell: (c) => c.number, class: 'nowrap' },
      { key: 'client', label: m(app, 'client'), cell: (c) => c.fields.client, class: 'wide' },
      { key: 'grade', label: m(app, 'grade'), cell: (c) => c.fields.grade ?? '—' },
      { key: 'status', label: m(app, 'status'), cell: (c) => certificateChip(app, c) },
      { key: 'issued', label: m(app, 'issued'), cell: (c) => c.issued_on, class: 'nowrap' },
      { key: 'valid', label: m(app, 'valid'), cell: (c) => c.valid_until, class: 'nowrap' },
      { key: 'open', label: '', cell: (c) => h('a', { href: href(c), class: 'button button--small', 'data-action': 'open-certificate' }, m(app, 'open')) },
    ],
    empty: emptyState(id, m(app, 'none')),
  });
}

export const certificatesView: OfficeView = async (ctx, main) => {
  const { app } = ctx;
  const { data } = await apiFetch<Certificate[]>('GET', '/api/certificates');
  replace(
    main,
    pageHeader(m(app, 'title')),
    ctx.me.role === 'admin' ? await toIssue(ctx, data) : null,
    certificatesTable(ctx, data, 'certificates-table', (c) => officeHref('certificates', c.id)),
  );
};

/** Decided engagements without a certificate yet (admins only issue). */
async function toIssue(ctx: OfficeContext, certificates: readonly Certificate[]): Promise<HTMLElement> {
  const { app } = ctx;
  const { data } = await apiFetch<EngagementRow[]>('GET', '/api/engagements');
  const issued = new Set(certificates.map((c) => c.engagement_id));
  const rows = data.filter((e) => e.status === 'decided' && !issued.has(e.id));
  const issueButton = (e: EngagementRow): HTMLElement => {
    const form = h('form', { class: 'inline-form', 'data-engagement-id': e.id });
    const button = h('button', { type: 'submit', class: 'button button--primary button--small', 'data-action': 'issue-certificate' }, m(app, 'issue'));
    form.append(button);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      button.disabled = true;
      button.textContent = m(app, 'issuing');
      apiFetch<Certificate>('POST', `/api/engagements/${e.id}/certificate`, { json: {} }).then(
        ({ data: c }) => ctx.go(`certificates/${c.id}`),
        (error: unknown) => {
          button.disabled = false;
          button.textContent = m(app, 'issue');
          showErrors(app, form, error);
        },
      );
    });
    return form;
  };
  return panel(
    { id: 'certificates-to-issue', 'data-count': rows.length },
    m(app, 'toIssue'),
    rows.length
      ? dataTable({
          id: 'to-issue',
          rows,
          rowId: (e) => e.id,
          columns: [
            { key: 'engagement', label: m(app, 'engagement'), cell: (e) => e.title, class: 'wide' },
            { key: 'client', label: m(app, 'client'), cell: (e) => e.client.name },
            { key: 'ended', label: m(app, 'ended'), cell: (e) => e.ends_on, class: 'nowrap' },
            { key: 'issue', label: '', cell: issueButton },
          ],
        })
      : emptyState('to-issue', m(app, 'toIssueNone')),
  );
}

/** The administrator's home panel: certificates to issue. */
export const toIssuePanel: OfficeView = async (ctx, slot) => {
  const { data } = await apiFetch<Certificate[]>('GET', '/api/certificates');
  const block = await toIssue(ctx, data);
  block.id = 'home-certificates-to-issue';
  block.append(h('div', { class: 'toolbar' }, h('a', { href: officeHref('certificates'), class: 'button button--small', 'data-link': 'certificates' }, m(ctx.app, 'title'))));
  replace(slot, block);
};
