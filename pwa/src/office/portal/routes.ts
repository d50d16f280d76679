/** The client portal's screens and the client user's home panel. */

import { registerHomePanel, registerOfficeRoute } from '../registry';
import { defineMessages } from '../messages';

const m = defineMessages(
  { portal: '我的认证', plan: '审查计划', results: '评价结果' },
  { portal: 'My certification', plan: 'Audit plan', results: 'Results' },
);

registerOfficeRoute({
  id: 'portal',
  path: 'portal',
  roles: ['client_user'],
  title: (app) => m(app, 'portal'),
  nav: { group: 'work', order: 10 },
  load: () => import('./portal').then((mod) => mod.portalView),
});
registerOfficeRoute({
  id: 'portal-plan',
  path: 'portal/plans/:id',
  roles: ['client_user'],
  title: (app) => m(app, 'plan'),
  load: () => import('./plan').then((mod) => mod.portalPlanView),
});
registerOfficeRoute({
  id: 'portal-results',
  path: 'portal/engagements/:id',
  roles: ['client_user'],
  title: (app) => m(app, 'results'),
  load: () => import('./results').then((mod) => mod.portalResultsView),
});

registerHomePanel({ id: 'plans-to-confirm', roles: ['client_user'], order: 20, load: () => import('./panels').then((mod) => mod.plansPanel) });

// Nonconformities (issue 12, §5.2.3.1, §7.4 b): the client answers with cause, correction and evidence.
const ncm = defineMessages({ ncs: '不符合项整改', nc: '不符合项' }, { ncs: 'Nonconformities', nc: 'Nonconformity' });
registerOfficeRoute({
  id: 'portal-ncs',
  path: 'portal/ncs',
  roles: ['client_user'],
  title: (app) => ncm(app, 'ncs'),
  nav: { group: 'work', order: 12 },
  load: () => import('./ncs').then((mod) => mod.portalNcsView),
});
registerOfficeRoute({
  id: 'portal-nc',
  path: 'portal/ncs/:id',
  roles: ['client_user'],
  title: (app) => ncm(app, 'nc'),
  load: () => import('./ncs').then((mod) => mod.portalNcView),
});
registerHomePanel({ id: 'ncs-to-answer', roles: ['client_user'], order: 15, load: () => import('./ncs').then((mod) => mod.ncsPanel) });

// Certificates (issue 12, §9): the client's own, with the public verification page.
const cm = defineMessages({ certificates: '我的证书' }, { certificates: 'My certificates' });
registerOfficeRoute({
  id: 'portal-certificates',
  path: 'portal/certificates',
  roles: ['client_user'],
  title: (app) => cm(app, 'certificates'),
  nav: { group: 'work', order: 14 },
  load: () => import('./certificates').then((mod) => mod.portalCertificatesView),
});
