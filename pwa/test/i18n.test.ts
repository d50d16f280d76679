import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CATALOGUES,
  createI18n,
  DEFAULT_LOCALE,
  isMessageKey,
  LOCALE_NAMES,
  LOCALE_STORAGE_KEY,
  LOCALES,
  type KeyValueStore,
} from '../src/i18n';

/** An in-memory stand-in for localStorage. */
function memoryStore(initial: Record<string, string> = {}): KeyValueStore & { data: Map<string, string> } {
  const data = new Map(Object.entries(initial));
  return {
    data,
    getItem: (key) => data.get(key) ?? null,
    setItem: (key, value) => void data.set(key, value),
  };
}

/** A store whose every call throws, like localStorage in a locked-down WebView. */
const brokenStore: KeyValueStore = {
  getItem() {
    throw new Error('SecurityError');
  },
  setItem() {
    throw new Error('QuotaExceededError');
  },
};

describe('default locale', () => {
  it('is zh-CN', () => {
    expect(DEFAULT_LOCALE).toBe('zh-CN');
  });

  it('is used when nothing is saved', () => {
    const i18n = createI18n(memoryStore());
    expect(i18n.locale).toBe('zh-CN');
    expect(i18n.t('status.offline')).toBe('离线');
  });

  it('is used when the saved value is not a shipped locale', () => {
    const i18n = createI18n(memoryStore({ [LOCALE_STORAGE_KEY]: 'fr' }));
    expect(i18n.locale).toBe('zh-CN');
  });

  it('is used when there is no storage at all', () => {
    expect(createI18n(null).locale).toBe('zh-CN');
  });

  it('is used when storage throws', () => {
    expect(createI18n(brokenStore).locale).toBe('zh-CN');
  });
});

describe('switching locale', () => {
  it('changes the messages returned by t()', () => {
    const i18n = createI18n(memoryStore());
    i18n.setLocale('en');
    expect(i18n.locale).toBe('en');
    expect(i18n.t('status.offline')).toBe('Offline');
    expect(i18n.t('update.available')).toBe('A new version is available');
    i18n.setLocale('zh-CN');
    expect(i18n.t('update.available')).toBe('有新版本可用');
  });

  it('notifies listeners with the new locale, once per change', () => {
    const i18n = createI18n(memoryStore());
    const seen: string[] = [];
    i18n.onChange((locale) => seen.push(locale));
    i18n.setLocale('en');
    i18n.setLocale('en'); // unchanged: no notification
    i18n.setLocale('zh-CN');
    expect(seen).toEqual(['en', 'zh-CN']);
  });

  it('stops notifying a listener after it unsubscribes', () => {
    const i18n = createI18n(memoryStore());
    const seen: string[] = [];
    const unsubscribe = i18n.onChange((locale) => seen.push(locale));
    unsubscribe();
    i18n.setLocale('en');
    expect(seen).toEqual([]);
  });

  it('still switches in memory when storage throws', () => {
    const i18n = createI18n(brokenStore);
    i18n.setLocale('en');
    expect(i18n.t('status.offline')).toBe('Offline');
  });
});

describe('persistence', () => {
  it('saves the chosen locale under the storage key', () => {
    const store = memoryStore();
    createI18n(store).setLocale('en');
    expect(store.data.get(LOCALE_STORAGE_KEY)).toBe('en');
  });

  it('restores the saved locale in a new session', () => {
    const store = memoryStore();
    createI18n(store).setLocale('en');
    const next = createI18n(store);
    expect(next.locale).toBe('en');
    expect(next.t('status.online')).toBe('Online · server OK');
  });
});

describe('catalogues', () => {
  const zhKeys = Object.keys(CATALOGUES['zh-CN']).sort();

  it('exist for every shipped locale and no other', () => {
    expect(Object.keys(CATALOGUES).sort()).toEqual([...LOCALES].sort());
  });

  it.each(LOCALES)('%s has exactly the zh-CN keys', (locale) => {
    expect(Object.keys(CATALOGUES[locale]).sort()).toEqual(zhKeys);
  });

  it.each(LOCALES)('%s has no empty message', (locale) => {
    const empty = Object.entries(CATALOGUES[locale]).filter(([, text]) => text.trim() === '');
    expect(empty).toEqual([]);
  });

  it('name every locale in its own language', () => {
    expect(LOCALE_NAMES).toEqual({ 'zh-CN': '中文', en: 'English' });
  });

  it('cover every data-i18n key used in index.html', () => {
    const html = readFileSync(new URL('../index.html', import.meta.url), 'utf8');
    const keys = [...html.matchAll(/data-i18n(?:-aria-label)?="([^"]+)"/g)].map((m) => m[1]);
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.filter((key) => !isMessageKey(key))).toEqual([]);
  });
});
