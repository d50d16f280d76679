import { isLocale, LOCALE_NAMES, type I18n } from '../i18n';

/**
 * Wire the 中文 / English buttons (`button[data-locale]` inside `group`):
 * each is labelled in its own language, and `aria-pressed` marks the current one.
 */
export function mountLanguageSwitch(group: HTMLElement, i18n: I18n): void {
  const buttons = [...group.querySelectorAll<HTMLButtonElement>('button[data-locale]')];
  for (const button of buttons) {
    const locale = button.dataset['locale'];
    if (!isLocale(locale)) continue;
    button.textContent = LOCALE_NAMES[locale];
    button.lang = locale;
    button.addEventListener('click', () => i18n.setLocale(locale));
  }
  const render = (): void => {
    for (const button of buttons) {
      button.setAttribute('aria-pressed', String(button.dataset['locale'] === i18n.locale));
    }
  };
  i18n.onChange(render);
  render();
}
