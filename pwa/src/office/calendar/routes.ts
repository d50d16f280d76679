/** The calendar of what is due (issue 12, CQC rule §6.3, §7.3, §8, §9.4): a desk screen. */

import { defineMessages } from '../messages';
import { registerOfficeRoute } from '../registry';

const m = defineMessages({ calendar: '到期日历' }, { calendar: 'Due dates' });

registerOfficeRoute({
  id: 'calendar',
  path: 'calendar',
  roles: ['admin', 'reviewer', 'team_leader', 'auditor'],
  title: (app) => m(app, 'calendar'),
  nav: { group: 'work', order: 40 },
  load: () => import('./calendar').then((mod) => mod.calendarView),
});
