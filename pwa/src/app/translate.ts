import { isMessageKey, type I18n } from '../i18n';

/**
 * Fill the static UI from the catalogue: `data-i18n="key"` sets an element's
 * text, `data-i18n-aria-label="key"` its accessible name. Also sets
 * `<html lang>` so screen readers and fonts follow the chosen language.
 */
export function applyTranslations(root: Document, i18n: I18n): void {
  for (const element of root.querySelectorAll<HTMLElement>('[data-i18n]')) {
    const key = element.dataset['i18n'];
    if (isMessageKey(key)) element.textContent = i18n.t(key);
    else reportUnknownKey(key);
  }
  for (const element of root.querySelectorAll<HTMLElement>('[data-i18n-aria-label]')) {
    const key = element.dataset['i18nAriaLabel'];
    if (isMessageKey(key)) element.setAttribute('aria-label', i18n.t(key));
    else reportUnknownKey(key);
  }
  root.documentElement.lang = i18n.locale;
}

function reportUnknownKey(key: string | undefined): void {
  // test/i18n.test.ts checks index.html's keys, so this only fires in development.
  if (import.meta.env.DEV) console.warn(`[i18n] unknown message key: ${String(key)}`);
}
