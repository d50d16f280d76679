/** The client user's home panel: audit plans waiting for their confirmation (§4.4.4 c)). */

import '../planning/planning.css';
import { apiFetch } from '../../data/api';
import { h, replace } from '../../ui/h';
import { emptyState, panel } from '../kit';
import { defineMessages } from '../messages';
import { officeHref, type OfficeView } from '../registry';
import type { PortalPlan } from './api';

const m = defineMessages(
  {
    title: '待确认的审查计划',
    none: '没有待确认的审查计划。',
    item: '{title}（第 {n} 版，{from} 至 {to}）',
    changed: '已变更',
    open: '查看并确认',
    portal: '我的认证',
  },
  {
    title: 'Audit plans to confirm',
    none: 'No audit plan waits for your confirmation.',
    item: '{title} (revision {n}, {from} to {to})',
    changed: 'Changed',
    open: 'Read and confirm',
    portal: 'My certification',
  },
);

export const plansPanel: OfficeView = async (ctx, slot) => {
  const { app } = ctx;
  const { data } = await apiFetch<PortalPlan[]>('GET', '/api/portal/plans');
  const waiting = data.filter((p) => p.status === 'issued');
  replace(
    slot,
    panel(
      { id: 'home-plans-to-confirm', 'data-count': waiting.length },
      m(app, 'title'),
      waiting.length
        ? h(
            'ul',
            { class: 'plain-list' },
            waiting.map((p) =>
              h(
                'li',
                { 'data-engagement-id': p.engagement_id },
                m(app, 'item', { title: p.content.engagement.title, n: p.revision, from: p.content.engagement.starts_on, to: p.content.engagement.ends_on }),
                p.confirmed_revision !== null ? h('span', { class: 'status-chip status-chip--warn', 'data-status': 'changed' }, m(app, 'changed')) : null,
                ' ',
                h('a', { href: officeHref('portal/plans', p.engagement_id), class: 'button button--primary button--small', 'data-action': 'open-plan' }, m(app, 'open')),
              ),
            ),
          )
        : emptyState('home-plans-to-confirm', m(app, 'none')),
      h('div', { class: 'toolbar' }, h('a', { href: officeHref('portal'), class: 'button button--small' }, m(app, 'portal'))),
    ),
  );
};
