/** Matching office paths (DOM-free, unit-tested in test/office/match.test.ts). */

export interface HasPath {
  path: string;
}

/** The route for these segments (literal segments win over `:params`), or null. */
export function matchPath<R extends HasPath>(segments: readonly string[], list: readonly R[]): { route: R; params: Record<string, string> } | null {
  let best: { route: R; params: Record<string, string>; literals: number } | null = null;
  for (const route of list) {
    const parts = route.path === '' ? [] : route.path.split('/');
    if (parts.length !== segments.length) continue;
    const params: Record<string, string> = {};
    let literals = 0;
    let ok = true;
    parts.forEach((part, i) => {
      const segment = segments[i] ?? '';
      if (part.startsWith(':')) params[part.slice(1)] = segment;
      else if (part === segment) literals += 1;
      else ok = false;
    });
    if (ok && (best === null || literals > best.literals)) best = { route, params, literals };
  }
  return best && { route: best.route, params: best.params };
}

/** `officeHref('users', id)` → `#/office/users/<id>` (segments encoded). */
export function officeHref(...segments: string[]): string {
  const path = segments
    .filter((s) => s !== '')
    .flatMap((s) => s.split('/'))
    .map(encodeURIComponent)
    .join('/');
  return path === '' ? '#/office' : `#/office/${path}`;
}

