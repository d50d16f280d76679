/**
 * The engagement's two pages side by side: where it stands (`engagements/<id>/overview`: field
 * work, scores, the review queue) and its planning (`engagements/<id>`, the team leader's). One
 * row of links under the page header; links a role cannot open are left out (registry.canOpen).
 */

import { h } from '../../ui/h';
import { defineMessages } from '../messages';
import { canOpen, matchOfficeRoute, officeHref, type OfficeContext } from '../registry';

const m = defineMessages(
  { label: '认证项目页面', overview: '概况与得分', planning: '策划' },
  { label: 'Engagement pages', overview: 'Status and scores', planning: 'Planning' },
);

export function engagementTabs(ctx: OfficeContext, id: string, active: 'overview' | 'planning'): HTMLElement | null {
  const links = (
    [
      ['overview', `engagements/${id}/overview`],
      ['planning', `engagements/${id}`],
    ] as const
  ).filter(([, path]) => {
    const found = matchOfficeRoute(path.split('/'));
    return found !== null && canOpen(found.route, ctx.me.role);
  });
  if (links.length < 2) return null;
  return h(
    'nav',
    { class: 'page-tabs', id: 'engagement-tabs', 'aria-label': m(ctx.app, 'label') },
    links.map(([key, path]) =>
      h('a', { href: officeHref(path), class: 'page-tab', 'data-engagement-tab': key, 'aria-current': key === active ? 'page' : false }, m(ctx.app, key)),
    ),
  );
}
