/**
 * The office route registry: feature folders register their screens (and panels on the role
 * homes) here, from a `routes.ts` of their own that src/office/routes.ts imports with one line.
 * A route's screen code is behind `load()` (a dynamic import), so each screen is its own chunk
 * and only loads when someone opens it.
 */

import type { Me } from '../data/session';
import type { App } from '../ui/app';
import { matchPath, officeHref } from './match';

export { officeHref };

/** The side navigation's groups, in this order. */
export const NAV_GROUPS = ['work', 'admin', 'schemes', 'directory'] as const;
export type NavGroup = (typeof NAV_GROUPS)[number];

export interface OfficeContext {
  readonly app: App;
  readonly me: Me;
  /** The route's `:name` segments, decoded. */
  readonly params: Readonly<Record<string, string>>;
  /** Go to an office path (`users/…`), or re-render when it is the current one. */
  go(path: string): void;
}

/** Renders one screen into `main` (a fresh element per navigation, see ui/app.ts). */
export type OfficeView = (ctx: OfficeContext, main: HTMLElement) => void | Promise<void>;

export interface OfficeRoute {
  /** Unique; `html[data-office-route]` and `section[data-office-route]` carry it. */
  id: string;
  /** Segments after `#/office/`: `users`, `users/:id`; `''` is the home. */
  path: string;
  /** Who may open it (the server checks again: this only hides what would fail). */
  roles: readonly string[];
  /** The page title (side navigation, document title). */
  title(app: App): string;
  /** Shown in the side navigation when given (routes with `:params` never are). */
  nav?: { group: NavGroup; order: number };
  load(): Promise<OfficeView>;
}

/** A block on a role's home (`#/office`): the work waiting for that role. */
export interface HomePanel {
  id: string;
  roles: readonly string[];
  /** Lower first. */
  order: number;
  /** Takes the whole row (a wide table). */
  wide?: boolean;
  load(): Promise<OfficeView>;
}

const routes: OfficeRoute[] = [];
const panels: HomePanel[] = [];

export function registerOfficeRoute(route: OfficeRoute): void {
  if (routes.some((r) => r.id === route.id || r.path === route.path)) {
    throw new Error(`office route ${route.id} (${route.path}) is registered twice`);
  }
  routes.push(route);
}

export function registerHomePanel(panel: HomePanel): void {
  if (panels.some((p) => p.id === panel.id)) throw new Error(`home panel ${panel.id} is registered twice`);
  panels.push(panel);
}

export function officeRoutes(): readonly OfficeRoute[] {
  return routes;
}

export function homePanelsFor(role: string): HomePanel[] {
  return panels.filter((p) => p.roles.includes(role)).sort((a, b) => a.order - b.order);
}

export function canOpen(route: OfficeRoute, role: string): boolean {
  return route.roles.includes(role);
}

/** The registered route for these segments (literal segments win over `:params`), or null. */
export function matchOfficeRoute(segments: readonly string[]): { route: OfficeRoute; params: Record<string, string> } | null {
  return matchPath(segments, routes);
}
