/**
 * Message catalogues for the office chunks. Each feature folder defines its own (zh-CN first,
 * English with exactly the same keys, checked by the type), so the office strings load with the
 * office code and never weigh on the field app's initial bundle (src/i18n.ts stays the field's).
 */

import { fill } from '../i18n';

export interface HasLocale {
  readonly i18n: { readonly locale: string };
}

export type Translate<K extends string> = (app: HasLocale, key: K, vars?: Record<string, string | number>) => string;

/** `const m = defineMessages({k: '中文'}, {k: 'English'}); m(app, 'k')`. */
export function defineMessages<Z extends Record<string, string>>(
  zh: Z,
  en: { readonly [K in keyof Z]: string },
): Translate<keyof Z & string> {
  return (app, key, vars) => {
    const text = (app.i18n.locale === 'en' ? en[key] : zh[key]) ?? key;
    return vars ? fill(text, vars) : text;
  };
}

/**
 * The validation library's fixed English messages, in Chinese (the server words its own
 * messages in both languages; these come from marshmallow itself).
 */
const FRAMEWORK_ZH: readonly [RegExp, string][] = [
  [/^Missing data for required field\.$/, '必填。'],
  [/^Field may not be null\.$/, '必填。'],
  [/^Must not be blank\.?$/i, '不能为空白。'],
  [/^Length must be between (\d+) and (\d+)\.$/, '长度应为 $1–$2 个字符。'],
  [/^Shorter than minimum length (\d+)\.$/, '至少 $1 个字符。'],
  [/^Longer than maximum length (\d+)\.$/, '最多 $1 个字符。'],
  [/^Must be greater than or equal to ([\d.]+) and less than or equal to ([\d.]+)\.$/, '应在 $1 到 $2 之间。'],
  [/^Not a valid number\.$/, '不是有效的数字。'],
  [/^Not a valid email address\.$/, '邮箱地址无效。'],
  [/^Not a valid UUID\.$/, '编号无效。'],
  [/^Unknown field\.$/, '未知字段。'],
  [/^Must be one of: (.+)\.$/, '应为以下之一：$1。'],
];

export function localiseMessage(app: HasLocale, message: string): string {
  // The server's own field messages say both: "中文 / English".
  const both = /^(.*[\u4e00-\u9fff].*?) \/ ([A-Za-z(].*)$/.exec(message);
  if (both) return (app.i18n.locale === 'en' ? both[2] : both[1]) ?? message;
  if (app.i18n.locale === 'en') return message;
  // Several sentences may be joined ("Length must be … Must not be blank.").
  return message
    .split(/(?<=\.)\s+/)
    .map((part) => {
      for (const [pattern, zh] of FRAMEWORK_ZH) if (pattern.test(part)) return part.replace(pattern, zh);
      return part;
    })
    .join(' ');
}
