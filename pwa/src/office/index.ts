/**
 * The desk: `#/office/<path>` for the office roles (ui/routes.ts OFFICE_ROLES). A side navigation
 * of the office routes this role may open (registry.ts) and, beside it, the current route's
 * screen, loaded as its own chunk. The app's tabs (`#nav`) stay below, as on every screen: they
 * lead to the field screens the role also has and to the settings. At ≥ 1024 px the navigation
 * is a column on the left; from 1023 px down it becomes a row above the screen (office.css).
 */

import './office.css';
import type { App } from '../ui/app';
import { h, replace } from '../ui/h';
import { loadError, loading } from './kit';
import { defineMessages } from './messages';
import { canOpen, matchOfficeRoute, NAV_GROUPS, officeHref, officeRoutes, type NavGroup, type OfficeContext } from './registry';
import './routes';

const m = defineMessages(
  {
    navLabel: '办公导航',
    'group.work': '工作',
    'group.admin': '系统管理',
    'group.schemes': '认证方案',
    'group.directory': '客户与场所',
    notFound: '没有这个页面，或你的角色不能打开它。',
    home: '返回工作台',
  },
  {
    navLabel: 'Office navigation',
    'group.work': 'Work',
    'group.admin': 'Administration',
    'group.schemes': 'Schemes',
    'group.directory': 'Clients and sites',
    notFound: 'There is no such page, or your role cannot open it.',
    home: 'Back to the desk',
  },
);

function sideNav(app: App, role: string, activeId: string | null): HTMLElement {
  const groups = new Map<NavGroup, HTMLElement[]>();
  const entries = officeRoutes()
    .filter((r) => r.nav && canOpen(r, role))
    .sort((a, b) => (a.nav?.order ?? 0) - (b.nav?.order ?? 0));
  for (const route of entries) {
    const group = route.nav?.group ?? 'work';
    const link = h(
      'a',
      { href: officeHref(route.path), class: 'desk-nav__link', 'data-office-nav': route.id, 'aria-current': route.id === activeId ? 'page' : false },
      route.title(app),
    );
    groups.set(group, [...(groups.get(group) ?? []), link]);
  }
  return h(
    'nav',
    { id: 'office-nav', class: 'desk-nav', 'aria-label': m(app, 'navLabel') },
    NAV_GROUPS.filter((g) => groups.has(g)).map((g) =>
      h('div', { class: 'desk-nav__group', 'data-nav-group': g }, h('p', { class: 'desk-nav__heading' }, m(app, `group.${g}`)), groups.get(g)),
    ),
  );
}

export async function officeScreen(app: App, root: HTMLElement, segments: readonly string[]): Promise<void> {
  const me = app.me;
  if (me === null) return;
  const found = matchOfficeRoute(segments);
  const route = found && canOpen(found.route, me.role) ? found.route : null;
  const main = h('div', { id: 'office-main', class: 'desk-main', 'data-state': 'loading' });
  root.dataset['officeRoute'] = route?.id ?? 'not-found';
  document.documentElement.dataset['officeRoute'] = route?.id ?? 'not-found';
  replace(root, h('div', { class: 'desk' }, sideNav(app, me.role, route?.id ?? null), main));
  if (route === null || found === null) {
    replace(main, h('p', { class: 'error', id: 'office-not-found' }, m(app, 'notFound')), h('a', { href: '#/office', class: 'button' }, m(app, 'home')));
    main.dataset['state'] = 'error';
    return;
  }
  const ctx: OfficeContext = {
    app,
    me,
    params: found.params,
    go: (path) => app.navigate(officeHref(path)),
  };
  replace(main, loading(app));
  try {
    const view = await route.load();
    await view(ctx, main);
    main.dataset['state'] = 'ready';
  } catch (error) {
    console.error('[office] screen failed', error);
    replace(main, loadError(app, error, () => app.refresh()));
    main.dataset['state'] = 'error';
  }
}
