/**
 * The client's certificates in the portal (issue 12, CQC rule §9): number, grade, status and
 * validity, and the public verification page its QR code opens (the same for anyone).
 */

import '../decide/decide.css';
import { apiFetch } from '../../data/api';
import { h, replace } from '../../ui/h';
import { emptyState, localPagedTable, pageHeader } from '../kit';
import { defineMessages } from '../messages';
import type { OfficeView } from '../registry';
import { certificateChip, type Certificate } from '../decide/api';

const m = defineMessages(
  {
    title: '我的证书',
    none: '您的单位还没有证书。',
    number: '证书编号',
    scope: '认证范围',
    grade: '等级',
    status: '状态',
    valid: '有效期',
    range: '{from} 至 {to}',
    verify: '公开核验页面',
    hint: '证书上的二维码打开同一个公开核验页面，任何人都可以核对证书内容和状态。',
  },
  {
    title: 'My certificates',
    none: 'Your organisation holds no certificate yet.',
    number: 'Number',
    scope: 'Scope',
    grade: 'Grade',
    status: 'Status',
    valid: 'Validity',
    range: '{from} to {to}',
    verify: 'Public verification page',
    hint: "The QR code on the certificate opens the same public page: anyone can check the certificate's content and status.",
  },
);

export const portalCertificatesView: OfficeView = async (ctx, main) => {
  const { app } = ctx;
  const { data } = await apiFetch<Certificate[]>('GET', '/api/portal/certificates');
  replace(
    main,
    pageHeader(m(app, 'title')),
    h('p', { class: 'hint' }, m(app, 'hint')),
    localPagedTable(app, {
      id: 'portal-certificates',
      rows: data,
      rowId: (c) => c.id,
      rowProps: (c) => ({ 'data-status': c.status, 'data-number': c.number }),
      columns: [
        { key: 'number', label: m(app, 'number'), cell: (c) => c.number, class: 'nowrap' },
        { key: 'scope', label: m(app, 'scope'), cell: (c) => c.fields.scope, class: 'wide' },
        { key: 'grade', label: m(app, 'grade'), cell: (c) => c.fields.grade ?? '—' },
        { key: 'status', label: m(app, 'status'), cell: (c) => certificateChip(app, c) },
        { key: 'valid', label: m(app, 'valid'), cell: (c) => m(app, 'range', { from: c.issued_on, to: c.valid_until }), class: 'nowrap' },
        { key: 'verify', label: '', cell: (c) => h('a', { href: c.verification_url, class: 'button button--small', target: '_blank', rel: 'noopener', 'data-action': 'verify-certificate' }, m(app, 'verify')) },
      ],
      empty: emptyState('portal-certificates', m(app, 'none')),
    }),
  );
};
