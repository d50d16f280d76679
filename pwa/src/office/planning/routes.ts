/** The team leader's planning screens (CQC rule §4, §5.1) and their home panel. */

import { registerHomePanel, registerOfficeRoute } from '../registry';
import { defineMessages } from '../messages';

const m = defineMessages(
  { applications: '认证申请', newApplication: '登记申请', newClient: '登记委托方', application: '认证申请', engagement: '项目策划' },
  { applications: 'Applications', newApplication: 'Record an application', newClient: 'Register a client', application: 'Application', engagement: 'Engagement planning' },
);

const PLANNERS = ['team_leader', 'admin'] as const;

registerOfficeRoute({
  id: 'applications',
  path: 'applications',
  roles: PLANNERS,
  title: (app) => m(app, 'applications'),
  nav: { group: 'work', order: 10 },
  load: () => import('./applications').then((mod) => mod.applicationsView),
});
registerOfficeRoute({
  id: 'new-client',
  path: 'applications/client',
  roles: PLANNERS,
  title: (app) => m(app, 'newClient'),
  load: () => import('./applications').then((mod) => mod.newClientView),
});
// The home's "策划认证项目" link: planning starts with the application (§4.2).
registerOfficeRoute({
  id: 'new-application',
  path: 'engagements/new',
  roles: PLANNERS,
  title: (app) => m(app, 'newApplication'),
  load: () => import('./applications').then((mod) => mod.newApplicationView),
});
registerOfficeRoute({
  id: 'new-application-for-client',
  path: 'applications/new/:client',
  roles: PLANNERS,
  title: (app) => m(app, 'newApplication'),
  load: () => import('./applications').then((mod) => mod.newApplicationView),
});
registerOfficeRoute({
  id: 'application',
  path: 'applications/:id',
  roles: PLANNERS,
  title: (app) => m(app, 'application'),
  load: () => import('./application').then((mod) => mod.applicationView),
});
registerOfficeRoute({
  id: 'engagement-planning',
  path: 'engagements/:id',
  roles: ['team_leader'],
  title: (app) => m(app, 'engagement'),
  load: () => import('./engagement').then((mod) => mod.engagementView),
});

registerHomePanel({
  id: 'applications-to-review',
  roles: ['team_leader'],
  order: 20,
  wide: true,
  load: () => import('./panels').then((mod) => mod.applicationsPanel),
});
