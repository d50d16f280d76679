/** The audit team's home panel: nonconformities to verify, then those still open, nearest deadline first. */

import { apiFetch } from '../../data/api';
import { h, replace } from '../../ui/h';
import { emptyState, panel } from '../kit';
import { defineMessages } from '../messages';
import { officeHref, type OfficeView } from '../registry';
import { daysText, stageChip, type Nonconformity } from './api';

const m = defineMessages(
  {
    title: '不符合项',
    none: '没有待验证或待整改的不符合项。',
    item: '{title}：不符合项 {n}（条款 {clause}）',
    open: '查看',
  },
  {
    title: 'Nonconformities',
    none: 'No nonconformity to verify or waiting for rectification.',
    item: '{title}: nonconformity {n} (clause {clause})',
    open: 'Open',
  },
);

export const teamNcsPanel: OfficeView = async (ctx, slot) => {
  const { app } = ctx;
  const { data } = await apiFetch<Nonconformity[]>('GET', '/api/nonconformities/team');
  const toVerify = data.filter((r) => r.stage === 'answered').length;
  replace(
    slot,
    panel(
      { id: 'home-team-ncs', 'data-count': data.length, 'data-to-verify': toVerify },
      m(app, 'title'),
      data.length
        ? h(
            'ul',
            { class: 'plain-list' },
            data.map((r) =>
              h(
                'li',
                { 'data-nc-id': r.id },
                m(app, 'item', { title: r.engagement_title, n: r.number, clause: r.clause }),
                ' ',
                stageChip(app, r),
                ' ',
                h('span', { class: 'muted' }, daysText(app, r)),
                ' ',
                h('a', { href: officeHref('ncs', r.engagement_id), class: 'button button--small', 'data-action': 'open-ncs' }, m(app, 'open')),
              ),
            ),
          )
        : emptyState('home-team-ncs', m(app, 'none')),
    ),
  );
};
