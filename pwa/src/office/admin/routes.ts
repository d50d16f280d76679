/** Administration (admin): users, the organisation's settings, the audit log, background jobs. */

import { defineMessages } from '../messages';
import { registerOfficeRoute } from '../registry';

const m = defineMessages(
  { users: '用户', newUser: '添加用户', user: '用户详情', organisation: '机构设置', audit: '操作记录', jobs: '后台任务' },
  { users: 'Users', newUser: 'Add a user', user: 'User', organisation: 'Organisation', audit: 'Audit log', jobs: 'Background jobs' },
);
const ADMIN = ['admin'];

registerOfficeRoute({
  id: 'users',
  path: 'users',
  roles: ADMIN,
  title: (app) => m(app, 'users'),
  nav: { group: 'admin', order: 10 },
  load: () => import('./users').then((mod) => mod.usersView),
});
registerOfficeRoute({
  id: 'user-new',
  path: 'users/new',
  roles: ADMIN,
  title: (app) => m(app, 'newUser'),
  load: () => import('./users').then((mod) => mod.newUserView),
});
registerOfficeRoute({
  id: 'user',
  path: 'users/:id',
  roles: ADMIN,
  title: (app) => m(app, 'user'),
  load: () => import('./user').then((mod) => mod.userView),
});
registerOfficeRoute({
  id: 'organisation',
  path: 'organisation',
  roles: ADMIN,
  title: (app) => m(app, 'organisation'),
  nav: { group: 'admin', order: 20 },
  load: () => import('./organisation').then((mod) => mod.organisationView),
});
registerOfficeRoute({
  id: 'audit',
  path: 'audit',
  roles: ADMIN,
  title: (app) => m(app, 'audit'),
  nav: { group: 'admin', order: 30 },
  load: () => import('./audit').then((mod) => mod.auditView),
});
registerOfficeRoute({
  id: 'jobs',
  path: 'jobs',
  roles: ADMIN,
  title: (app) => m(app, 'jobs'),
  nav: { group: 'admin', order: 40 },
  load: () => import('./jobs').then((mod) => mod.jobsView),
});
