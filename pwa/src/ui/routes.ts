/** The hash routes and who sees which screens (DOM-free, unit-tested). */

/** The part of the signed-in user (data/session.ts Me) the routes depend on. */
export interface RoleHolder {
  role: string;
}

/** Who may open which screens (the server checks again; this only hides what would fail). */
export const CAPTURE_ROLES: readonly string[] = ['auditor', 'team_leader'];
export const REVIEW_ROLES: readonly string[] = ['auditor', 'team_leader', 'reviewer'];
/**
 * Who works at a desk as well (issue 10): they land on the office home (`#/office`, the lazily
 * loaded chunk in src/office/) with their work on it. Auditors and shoppers keep the field home.
 */
export const OFFICE_ROLES: readonly string[] = ['admin', 'scheme_manager', 'team_leader', 'reviewer', 'client_user'];

export interface Route {
  name: string;
  params: string[];
}

/** `#/visit/abc` → {name: 'visit', params: ['abc']}; anything unknown is the home route. */
export function parseHash(hash: string): Route {
  const path = hash.replace(/^#\/?/, '');
  const [name = '', ...params] = path.split('/').filter((part) => part !== '').map(decodeURIComponent);
  return { name, params };
}

export function homeFor(me: RoleHolder | null): string {
  if (me === null) return '#/login';
  if (me.role === 'shopper') return '#/assignments';
  if (OFFICE_ROLES.includes(me.role)) return '#/office';
  if (CAPTURE_ROLES.includes(me.role) || REVIEW_ROLES.includes(me.role)) return '#/review';
  return '#/settings';
}

