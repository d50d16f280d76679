/** Schemes (scheme manager): versions, import, which is current, and side-by-side diffs. */

import { defineMessages } from '../messages';
import { registerOfficeRoute } from '../registry';

const m = defineMessages(
  { schemes: '认证方案', import: '导入方案', version: '方案版本', diff: '版本对比' },
  { schemes: 'Schemes', import: 'Import a scheme', version: 'Scheme version', diff: 'Compare versions' },
);
/** Staff who read schemes (backend/schemes/services.py READERS) and have a desk. */
const READERS = ['admin', 'scheme_manager', 'team_leader', 'reviewer'];
const IMPORTERS = ['admin', 'scheme_manager'];

registerOfficeRoute({
  id: 'schemes',
  path: 'schemes',
  roles: READERS,
  title: (app) => m(app, 'schemes'),
  nav: { group: 'schemes', order: 10 },
  load: () => import('./schemes').then((mod) => mod.schemesView),
});
registerOfficeRoute({
  id: 'scheme-import',
  path: 'schemes/import',
  roles: IMPORTERS,
  title: (app) => m(app, 'import'),
  nav: { group: 'schemes', order: 20 },
  load: () => import('./import').then((mod) => mod.importView),
});
registerOfficeRoute({
  id: 'scheme',
  path: 'schemes/:id',
  roles: READERS,
  title: (app) => m(app, 'version'),
  load: () => import('./schemes').then((mod) => mod.schemeView),
});
registerOfficeRoute({
  id: 'scheme-diff',
  path: 'schemes/:old/diff/:new',
  roles: READERS,
  title: (app) => m(app, 'diff'),
  load: () => import('./diff').then((mod) => mod.diffView),
});
