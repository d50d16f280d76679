import { describe, expect, it } from 'vitest';

import { defineMessages, localiseMessage } from '../../src/office/messages';

const zh = { i18n: { locale: 'zh-CN' } };
const en = { i18n: { locale: 'en' } };

describe('defineMessages', () => {
  it('answers in the current language and fills placeholders', () => {
    const m = defineMessages({ hi: '{name}，你好' }, { hi: 'Hello, {name}' });
    expect(m(zh, 'hi', { name: '张' })).toBe('张，你好');
    expect(m(en, 'hi', { name: 'Zhang' })).toBe('Hello, Zhang');
  });
});

describe('localiseMessage', () => {
  it("picks the language from the server's bilingual messages", () => {
    expect(localiseMessage(zh, '密码至少 10 个字符 / at least 10 characters')).toBe('密码至少 10 个字符');
    expect(localiseMessage(en, '密码至少 10 个字符 / at least 10 characters')).toBe('at least 10 characters');
  });

  it("words the validation library's fixed messages in Chinese, sentence by sentence", () => {
    expect(localiseMessage(zh, 'Length must be between 1 and 200. Must not be blank.')).toBe('长度应为 1–200 个字符。 不能为空白。');
    expect(localiseMessage(zh, 'Must be greater than or equal to 10.0 and less than or equal to 5000.0.')).toBe('应在 10.0 到 5000.0 之间。');
    expect(localiseMessage(en, 'Field may not be null.')).toBe('Field may not be null.');
    expect(localiseMessage(zh, 'Something else entirely')).toBe('Something else entirely');
  });
});
