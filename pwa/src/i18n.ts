/**
 * Typed message catalogues (zh-CN first, English second) and the current-locale
 * state, persisted in a key-value store (localStorage in the page).
 *
 * Shared code: no DOM. The page passes its storage in, so the same module can
 * later serve the service worker (notification text) and runs in unit tests.
 */

/** Locales the app ships, in the order the language switch shows them. */
export const LOCALES = ['zh-CN', 'en'] as const;

export type Locale = (typeof LOCALES)[number];

/** The field staff and customers are in China: Chinese unless they choose otherwise. */
export const DEFAULT_LOCALE: Locale = 'zh-CN';

/** localStorage key holding the chosen locale. */
export const LOCALE_STORAGE_KEY = 'fieldcert.locale';

/** Each language's name in that language: the labels of the language switch. */
export const LOCALE_NAMES: Readonly<Record<Locale, string>> = {
  'zh-CN': '中文',
  en: 'English',
};

// The zh-CN catalogue defines the keys; every other catalogue must have exactly
// the same keys (the `Record<MessageKey, string>` type below enforces it).
const zhCN = {
  'app.description': '服务认证现场工作：神秘顾客走访、顾客评价与审核。',
  'status.label': '连接状态',
  'status.checking': '正在连接服务器…',
  'status.online': '在线 · 服务器正常',
  'status.serverError': '在线 · 服务器异常',
  'status.offline': '离线',
  'update.available': '有新版本可用',
  'update.apply': '立即更新',
  'update.later': '稍后',
  'language.label': '语言',
} as const satisfies Record<string, string>;

/** Every message the UI can show. */
export type MessageKey = keyof typeof zhCN;

export type Catalogue = Readonly<Record<MessageKey, string>>;

const en: Catalogue = {
  'app.description':
    'Field work for service certification: mystery-shopper visits, customer feedback and audits.',
  'status.label': 'Connection status',
  'status.checking': 'Connecting to the server…',
  'status.online': 'Online · server OK',
  'status.serverError': 'Online · server error',
  'status.offline': 'Offline',
  'update.available': 'A new version is available',
  'update.apply': 'Update now',
  'update.later': 'Later',
  'language.label': 'Language',
};

/** The message catalogues, one per locale. */
export const CATALOGUES: Readonly<Record<Locale, Catalogue>> = { 'zh-CN': zhCN, en };

/** The subset of the Web Storage API that i18n needs (localStorage satisfies it). */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** Whether `value` names a shipped locale. */
export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

/** Whether `value` is a key of the catalogues (for keys read from HTML attributes). */
export function isMessageKey(value: unknown): value is MessageKey {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(zhCN, value);
}

export type LocaleListener = (locale: Locale) => void;

/** Current locale, translation and change notification. */
export interface I18n {
  readonly locale: Locale;
  /** The message for `key` in the current locale. */
  t(key: MessageKey): string;
  /** Switch locale, persist the choice and notify listeners (no-op if unchanged). */
  setLocale(locale: Locale): void;
  /** Call `listener` after every locale change; returns an unsubscribe function. */
  onChange(listener: LocaleListener): () => void;
}

/**
 * Create the i18n state, reading the saved locale from `store`.
 *
 * `store` may be null or may throw (storage disabled, private browsing, some
 * in-app browsers): the app then still works, it just forgets the choice.
 */
export function createI18n(store: KeyValueStore | null): I18n {
  let locale = readLocale(store);
  const listeners = new Set<LocaleListener>();
  return {
    get locale() {
      return locale;
    },
    t(key) {
      return CATALOGUES[locale][key];
    },
    setLocale(next) {
      if (next === locale) return;
      locale = next;
      writeLocale(store, next);
      for (const listener of listeners) listener(next);
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

function readLocale(store: KeyValueStore | null): Locale {
  try {
    const saved = store?.getItem(LOCALE_STORAGE_KEY);
    return isLocale(saved) ? saved : DEFAULT_LOCALE;
  } catch {
    return DEFAULT_LOCALE;
  }
}

function writeLocale(store: KeyValueStore | null, locale: Locale): void {
  try {
    store?.setItem(LOCALE_STORAGE_KEY, locale);
  } catch {
    // Quota or disabled storage: keep the in-memory choice for this session.
  }
}
