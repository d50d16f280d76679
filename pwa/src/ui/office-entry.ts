/**
 * `#/office/…`: the desk screens (issue 10). They load as separate chunks with `import()`, so
 * the field app's initial JavaScript stays within its budget (scripts/size-report.mjs); a phone
 * that never opens them never runs them. Everything else about them is in src/office/.
 */

import type { Screen } from './app';
import { h, replace } from './h';

export const officeEntry: Screen = async (app, root, params) => {
  let office: typeof import('../office/index');
  try {
    office = await import('../office/index');
  } catch (error) {
    // Offline, or a new release replaced the chunk: say so instead of a blank page.
    console.error('[office] chunk failed to load', error);
    replace(root, h('p', { class: 'error', role: 'alert', id: 'office-load-failed' }, app.t('office.loadFailed')));
    return;
  }
  await office.officeScreen(app, root, params);
};
