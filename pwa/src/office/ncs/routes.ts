/** The audit team's nonconformity screens (CQC rule §5.2.3.1, §7.4 b). */

import { registerHomePanel, registerOfficeRoute } from '../registry';
import { defineMessages } from '../messages';

const m = defineMessages({ ncs: '不符合项', engagement: '项目不符合项' }, { ncs: 'Nonconformities', engagement: 'Nonconformities of an engagement' });

// Who opens and verifies them (the server narrows it to the engagement's audit team).
const TEAM = ['team_leader', 'auditor'] as const;

registerOfficeRoute({
  id: 'ncs',
  path: 'ncs',
  roles: TEAM,
  title: (app) => m(app, 'ncs'),
  nav: { group: 'work', order: 30 },
  load: () => import('./engagements').then((mod) => mod.ncEngagementsView),
});
registerOfficeRoute({
  id: 'ncs-engagement',
  path: 'ncs/:id',
  roles: TEAM,
  title: (app) => m(app, 'engagement'),
  load: () => import('./engagement').then((mod) => mod.ncEngagementView),
});

// Auditors have no office home (ui/routes.ts OFFICE_ROLES): they open `ncs` from the navigation.
registerHomePanel({ id: 'team-ncs', roles: ['team_leader'], order: 35, load: () => import('./panels').then((mod) => mod.teamNcsPanel) });
