/** The engagements an auditor or team leader is on, each with its nonconformities' count. */

import { apiFetch } from '../../data/api';
import { h, replace } from '../../ui/h';
import { dataTable, emptyState, pageHeader } from '../kit';
import { engagementKindLabel } from '../labels';
import { defineMessages } from '../messages';
import { officeHref, type OfficeView } from '../registry';

/** GET /api/engagements, the fields shown here (backend/engagements/schemas.py). */
interface EngagementRow {
  id: string;
  title: string;
  kind: string;
  starts_on: string;
  ends_on: string;
  client: { id: string; name: string };
}

const m = defineMessages(
  { title: '不符合项', none: '您不在任何项目的审查组中。', engagement: '认证项目', kind: '类型', dates: '审查日期', open: '查看不符合项' },
  { title: 'Nonconformities', none: 'You are on no audit team.', engagement: 'Engagement', kind: 'Kind', dates: 'Audit dates', open: 'Nonconformities' },
);

export const ncEngagementsView: OfficeView = async (ctx, main) => {
  const { app } = ctx;
  const { data } = await apiFetch<EngagementRow[]>('GET', '/api/engagements');
  replace(
    main,
    pageHeader(m(app, 'title')),
    data.length
      ? dataTable({
          id: 'nc-engagements',
          rows: data,
          rowId: (e) => e.id,
          columns: [
            { key: 'engagement', label: m(app, 'engagement'), cell: (e) => e.title, class: 'wide' },
            { key: 'kind', label: m(app, 'kind'), cell: (e) => engagementKindLabel(app, e.kind as 'initial') },
            { key: 'dates', label: m(app, 'dates'), cell: (e) => `${e.starts_on} – ${e.ends_on}` },
            { key: 'open', label: '', cell: (e) => h('a', { href: officeHref('ncs', e.id), class: 'button button--small', 'data-action': 'open-ncs' }, m(app, 'open')) },
          ],
        })
      : emptyState('nc-engagements', m(app, 'none')),
  );
};
