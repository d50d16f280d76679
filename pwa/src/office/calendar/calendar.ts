/**
 * `#/office/calendar`: what is due, per client and per team (GET /api/calendar).
 *
 * Every date comes from the server's lifecycle core: the next annual surveillance (§7.3, or its
 * extension to 31 December), extra surveillance, the end of a suspension (§9.4: 12 months at the
 * client's request, 3 for other causes), certificates to issue (§6.3: 30 days), nonconformity
 * deadlines, the end of validity and the recertification window (§8). Overdue items are listed
 * whatever the range, first, so that nothing late is out of sight. Grouped by month.
 */

import './calendar.css';
import { apiFetch } from '../../data/api';
import { h, replace } from '../../ui/h';
import { dataTable, emptyState, pageHeader, select, statusChip, type ChipTone } from '../kit';
import { defineMessages } from '../messages';
import { routeLink } from '../home/panels';
import type { OfficeView } from '../registry';

interface CalendarItem {
  kind: string;
  label_zh: string;
  label_en: string;
  on: string;
  overdue: boolean;
  client_id: string;
  client_name: string;
  certificate_id: string | null;
  certificate_number: string | null;
  engagement_id: string | null;
  title_zh: string;
  title_en: string;
  section: string;
  details: Record<string, unknown>;
}

interface CalendarAnswer {
  from: string;
  to: string;
  today: string;
  items: CalendarItem[];
}

interface Named {
  id: string;
  name?: string;
  display_name?: string;
}

const m = defineMessages(
  {
    title: '到期日历',
    intro: '年度监督、暂停期限、再认证、颁证和整改期限，按日期排列；逾期事项始终列在最前。',
    from: '开始日期',
    to: '截止日期（含）',
    client: '委托人',
    allClients: '全部委托人',
    team: '审查组成员',
    allTeams: '全部人员',
    mine: '我参与的项目',
    apply: '查看',
    overdueTitle: '逾期',
    overdueNone: '没有逾期事项。',
    date: '日期',
    kind: '事项',
    certificate: '证书编号',
    what: '说明',
    section: '依据',
    empty: '该时间段内没有到期事项。',
    overdue: '逾期',
    today: '今天',
    count: '{n} 项',
    countOne: '1 项',
    engagement: '查看项目',
  },
  {
    title: 'Due dates',
    intro: 'Annual surveillance, suspension limits, recertification, certificates to issue and rectification deadlines by date; overdue items always come first.',
    from: 'From',
    to: 'To (inclusive)',
    client: 'Client',
    allClients: 'All clients',
    team: 'Audit team member',
    allTeams: 'Everyone',
    mine: 'My engagements',
    apply: 'Show',
    overdueTitle: 'Overdue',
    overdueNone: 'Nothing is overdue.',
    date: 'Date',
    kind: 'What',
    certificate: 'Certificate',
    what: 'Details',
    section: 'Rule',
    empty: 'Nothing is due in this period.',
    overdue: 'Overdue',
    today: 'Today',
    count: '{n} items',
    countOne: '1 item',
    engagement: 'Open the engagement',
  },
);

const TONES: Record<string, ChipTone> = {
  surveillance_due: 'info',
  extra_surveillance_due: 'warn',
  audit_planned: 'neutral',
  suspension_ends_by: 'warn',
  suspension_required: 'bad',
  certificate_issue_by: 'good',
  certificate_expires: 'neutral',
  recertification_opens: 'info',
  recertification_closes: 'warn',
  nonconformity_typical_due: 'neutral',
  nonconformity_latest_due: 'warn',
};

async function optional<T>(path: string): Promise<T[]> {
  try {
    const { data } = await apiFetch<T[] | { items: T[] }>('GET', path);
    return Array.isArray(data) ? data : data.items;
  } catch {
    return []; // a role that may not list these still reads its calendar
  }
}

function counted(app: Parameters<typeof m>[0], n: number): string {
  return n === 1 ? m(app, 'countOne') : m(app, 'count', { n });
}

function monthOf(iso: string, en: boolean): string {
  const [y, mo] = iso.split('-');
  return en ? `${y}-${mo}` : `${y}年${Number(mo)}月`;
}

export const calendarView: OfficeView = async (ctx, main) => {
  const { app } = ctx;
  const en = app.i18n.locale === 'en';
  const [clients, people] = await Promise.all([
    optional<Named>('/api/clients'),
    optional<Named>('/api/users/directory?active=true'),
  ]);
  const from = h('input', { type: 'date', id: 'calendar-from', class: 'input', name: 'from' }) as HTMLInputElement;
  const to = h('input', { type: 'date', id: 'calendar-to', class: 'input', name: 'to' }) as HTMLInputElement;
  const client = select([['', m(app, 'allClients')], ...clients.map((c) => [c.id, c.name ?? c.id] as const)], { id: 'calendar-client', name: 'client_id' });
  const team = select(
    [
      ['', m(app, 'allTeams')],
      [ctx.me.id, m(app, 'mine')],
      ...people.filter((p) => p.id !== ctx.me.id).map((p) => [p.id, p.display_name ?? p.id] as const),
    ],
    { id: 'calendar-team', name: 'team' },
  );
  const results = h('div', { id: 'calendar-results', 'data-state': 'loading' });
  const labelled = (label: string, control: HTMLElement): HTMLElement => h('div', { class: 'field' }, h('label', { for: control.id }, label), control);

  const table = (id: string, items: CalendarItem[]): HTMLElement =>
    dataTable<CalendarItem>({
      id,
      rows: items,
      rowId: (i) => `${i.kind}:${i.certificate_id ?? i.engagement_id ?? ''}:${i.on}`,
      rowProps: (i) => ({ 'data-kind': i.kind, 'data-overdue': String(i.overdue), class: i.overdue ? 'calendar-row--overdue' : undefined }),
      columns: [
        { key: 'on', label: m(app, 'date'), cell: (i) => i.on, class: 'nowrap' },
        {
          key: 'kind',
          label: m(app, 'kind'),
          cell: (i) => [
            statusChip(i.kind, en ? i.label_en : i.label_zh, TONES[i.kind] ?? 'neutral'),
            i.overdue ? [' ', statusChip('overdue', m(app, 'overdue'), 'bad')] : null,
          ],
          class: 'nowrap',
        },
        { key: 'client', label: m(app, 'client'), cell: (i) => routeLink(ctx, `clients/${i.client_id}`, i.client_name, 'link') ?? i.client_name },
        { key: 'certificate', label: m(app, 'certificate'), cell: (i) => (i.certificate_number ? h('code', null, i.certificate_number) : ''), class: 'nowrap' },
        {
          key: 'what',
          label: m(app, 'what'),
          cell: (i) => [
            en ? i.title_en : i.title_zh,
            i.engagement_id ? [' ', routeLink(ctx, `engagements/${i.engagement_id}`, m(app, 'engagement'), 'link')] : null,
          ],
          class: 'wide',
        },
        { key: 'section', label: m(app, 'section'), cell: (i) => i.section, class: 'nowrap muted' },
      ],
    });

  const run = async (): Promise<void> => {
    results.dataset.state = 'loading';
    const query = new URLSearchParams();
    if (from.value) query.set('from', from.value);
    if (to.value) query.set('to', to.value);
    if (client.value) query.set('client_id', client.value);
    if (team.value) query.set('team', team.value);
    const { data } = await apiFetch<CalendarAnswer>('GET', `/api/calendar?${query.toString()}`);
    if (!from.value) from.value = data.from;
    if (!to.value) to.value = data.to;
    const overdue = data.items.filter((i) => i.overdue);
    const coming = data.items.filter((i) => !i.overdue);
    const months = new Map<string, CalendarItem[]>();
    for (const item of coming) {
      const key = monthOf(item.on, en);
      months.set(key, [...(months.get(key) ?? []), item]);
    }
    replace(
      results,
      h(
        'section',
        { class: 'panel calendar-overdue', id: 'calendar-overdue', 'data-count': String(overdue.length) },
        h('h2', null, `${m(app, 'overdueTitle')} · ${counted(app, overdue.length)}`),
        overdue.length ? table('calendar-overdue-table', overdue) : h('p', { class: 'muted' }, m(app, 'overdueNone')),
      ),
      coming.length
        ? [...months.entries()].map(([month, items]) =>
            h(
              'section',
              { class: 'panel calendar-month', 'data-month': items[0]?.on.slice(0, 7) ?? '' },
              h('h2', null, `${month} · ${counted(app, items.length)}`),
              table(`calendar-${items[0]?.on.slice(0, 7)}`, items),
            ),
          )
        : emptyState('calendar', m(app, 'empty')),
    );
    results.dataset.state = 'ready';
  };

  const filters = h(
    'form',
    { class: 'filters', id: 'calendar-filters' },
    labelled(m(app, 'from'), from),
    labelled(m(app, 'to'), to),
    labelled(m(app, 'client'), client),
    labelled(m(app, 'team'), team),
    h('button', { type: 'submit', class: 'button button--primary', id: 'calendar-apply' }, m(app, 'apply')),
  );
  filters.addEventListener('submit', (event) => {
    event.preventDefault();
    void run();
  });
  replace(main, pageHeader(m(app, 'title')), h('p', { class: 'muted' }, m(app, 'intro')), filters, results);
  await run();
};
