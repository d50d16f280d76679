/** Clients, certification units and service sites (admin, team leaders edit; others read). */

import { defineMessages } from '../messages';
import { registerOfficeRoute } from '../registry';

const m = defineMessages(
  { clients: '委托方与场所', client: '委托方', newSite: '添加服务场所', site: '服务场所' },
  { clients: 'Clients and sites', client: 'Client', newSite: 'Add a site', site: 'Site' },
);
/** backend/clients/services.py READERS with a desk; client users see their own client only. */
const READERS = ['admin', 'team_leader', 'reviewer', 'client_user'];
const EDITORS = ['admin', 'team_leader'];

registerOfficeRoute({
  id: 'clients',
  path: 'clients',
  roles: READERS,
  title: (app) => m(app, 'clients'),
  nav: { group: 'directory', order: 10 },
  load: () => import('./clients').then((mod) => mod.clientsView),
});
registerOfficeRoute({
  id: 'client',
  path: 'clients/:id',
  roles: READERS,
  title: (app) => m(app, 'client'),
  load: () => import('./client').then((mod) => mod.clientView),
});
registerOfficeRoute({
  id: 'site-new',
  path: 'sites/new/:unit',
  roles: EDITORS,
  title: (app) => m(app, 'newSite'),
  load: () => import('./site').then((mod) => mod.newSiteView),
});
registerOfficeRoute({
  id: 'site',
  path: 'sites/:id',
  roles: READERS,
  title: (app) => m(app, 'site'),
  load: () => import('./site').then((mod) => mod.siteView),
});
