/** The office home (`#/office`) and the panels on it for each role. */

import { OFFICE_ROLES } from '../../ui/routes';
import { defineMessages } from '../messages';
import { registerHomePanel, registerOfficeRoute } from '../registry';

const m = defineMessages({ home: '工作台' }, { home: 'Desk' });

registerOfficeRoute({
  id: 'home',
  path: '',
  roles: OFFICE_ROLES,
  title: (app) => m(app, 'home'),
  nav: { group: 'work', order: 0 },
  load: () => import('./home').then((mod) => mod.homeView),
});

registerHomePanel({ id: 'users', roles: ['admin'], order: 10, load: () => import('./panels').then((mod) => mod.usersPanel) });
registerHomePanel({ id: 'audit', roles: ['admin'], order: 20, load: () => import('./panels').then((mod) => mod.auditPanel) });
registerHomePanel({ id: 'schemes', roles: ['scheme_manager'], order: 10, wide: true, load: () => import('./panels').then((mod) => mod.schemesPanel) });
registerHomePanel({
  id: 'engagements',
  roles: ['admin', 'team_leader', 'reviewer'],
  order: 30,
  wide: true,
  load: () => import('./panels').then((mod) => mod.engagementsPanel),
});
registerHomePanel({ id: 'review-queue', roles: ['reviewer', 'team_leader'], order: 40, wide: true, load: () => import('./panels').then((mod) => mod.reviewPanel) });
registerHomePanel({ id: 'my-client', roles: ['client_user'], order: 10, load: () => import('./panels').then((mod) => mod.clientPanel) });
