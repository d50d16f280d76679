/** Small DOM helpers for the page. */

/** The element with `id`; throws if index.html lacks it (a broken build, not a user error). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`#${id} is missing from index.html`);
  return element as T;
}

/** The subset of localStorage that i18n needs, or null where storage is disabled. */
export function localStore(): Storage | null {
  try {
    // Reading the property itself throws in some locked-down browsers.
    return window.localStorage;
  } catch {
    return null;
  }
}
