/**
 * `#/office/organisation`: the certification body's name and address, the certificate-number
 * format (previewed as it is typed, checked by the server) and the report logo.
 */

import { apiFetch } from '../../data/api';
import { h, replace } from '../../ui/h';
import { clearErrors, field, flattenDetails, formErrorSlot, onSubmit, pageHeader, panel, savedNote, showErrors, textArea, textInput } from '../kit';
import { ApiError } from '../../data/api';
import { defineMessages } from '../messages';
import type { OfficeView } from '../registry';

const m = defineMessages(
  {
    title: '机构设置',
    basics: '机构信息',
    name: '认证机构名称',
    address: '地址（报告抬头）',
    numbers: '证书编号',
    format: '编号格式',
    formatHint: '文字加占位符，必须含一个流水号 {seq}，如 FC-{year}-{seq:5}。',
    placeholders: '可用的占位符',
    examples: '示例：',
    save: '保存',
    logo: '报告徽标',
    logoHint: 'PNG 或 JPEG，不超过 512 KB，边长不超过 4000 像素。打印在报告和证书的抬头。',
    noLogo: '尚未上传徽标。',
    upload: '上传徽标',
    remove: '删除徽标',
    removeAsk: '删除后报告将不带徽标。确定删除？',
    uploaded: '徽标已更新。',
    removed: '徽标已删除。',
  },
  {
    title: 'Organisation',
    basics: 'The certification body',
    name: 'Name',
    address: 'Address (report header)',
    numbers: 'Certificate numbers',
    format: 'Number format',
    formatHint: 'Text with placeholders, exactly one running number {seq}, e.g. FC-{year}-{seq:5}.',
    placeholders: 'Placeholders',
    examples: 'Examples:',
    save: 'Save',
    logo: 'Report logo',
    logoHint: 'PNG or JPEG, at most 512 KB and 4000 px a side. Printed in the header of reports and certificates.',
    noLogo: 'No logo uploaded yet.',
    upload: 'Upload a logo',
    remove: 'Remove the logo',
    removeAsk: 'Reports will carry no logo. Remove it?',
    uploaded: 'The logo is updated.',
    removed: 'The logo is removed.',
  },
);

interface Settings {
  id: string;
  name: string;
  address: string;
  certificate_number_format: string;
  certificate_number_examples: string[];
  placeholders: Record<string, string>;
  logo: { media_type: string; sha256: string; width: number; height: number; url: string } | null;
}

export const organisationView: OfficeView = async (ctx, main) => {
  const { app } = ctx;
  let { data: settings } = await apiFetch<Settings>('GET', '/api/organisation');

  // --- Name, address, number format: one form, PATCH of what changed ---
  const name = textInput({ value: settings.name });
  const address = textArea({ value: settings.address, rows: 2 });
  const format = textInput({ value: settings.certificate_number_format, spellcheck: 'false' });
  const examples = h('p', { id: 'number-examples', class: 'hint', 'aria-live': 'polite' });
  const showExamples = (list: readonly string[]): void => {
    replace(examples, m(app, 'examples'), ' ', list.map((e, i) => [i ? '，' : '', h('code', { 'data-example': '' }, e)]));
  };
  showExamples(settings.certificate_number_examples);
  const saved = h('span', { id: 'organisation-saved' });
  const formatField = field({ name: 'certificate_number_format', label: m(app, 'format'), hint: m(app, 'formatHint'), required: true }, format);
  const form = h(
    'form',
    { id: 'organisation-form' },
    formErrorSlot(),
    h(
      'div',
      { class: 'form-grid' },
      field({ name: 'name', label: m(app, 'name'), required: true }, name),
      h('div', { class: 'field--full' }, field({ name: 'address', label: m(app, 'address') }, address)),
      h('div', { class: 'field--full' }, formatField, examples),
    ),
    h('details', { class: 'hint' }, h('summary', null, m(app, 'placeholders')), h('ul', { id: 'placeholders' }, Object.entries(settings.placeholders).map(([k, v]) => h('li', null, h('code', null, `{${k}}`), ' ', v)))),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button button--primary', id: 'organisation-save' }, m(app, 'save')), saved),
  );
  // Preview while typing: the server checks the format (one set of rules), 300 ms after the last key.
  let timer: ReturnType<typeof setTimeout> | undefined;
  let asked = 0;
  format.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const ticket = ++asked;
      const slot = formatField.querySelector<HTMLElement>('[data-field-error]');
      apiFetch<{ examples: string[] }>('POST', '/api/organisation/certificate-number-preview', { json: { format: format.value } }).then(
        ({ data }) => {
          if (ticket !== asked || !slot) return;
          slot.hidden = true;
          delete formatField.dataset['invalid'];
          showExamples(data.examples);
        },
        (error: unknown) => {
          if (ticket !== asked || !slot) return;
          const messages = error instanceof ApiError ? (flattenDetails(error.details).get('format') ?? [error.message]) : [String(error)];
          slot.textContent = messages.join(' ');
          slot.hidden = false;
          formatField.dataset['invalid'] = '';
          replace(examples);
        },
      );
    }, 300);
  });
  onSubmit(app, form, async () => {
    replace(saved);
    const changes: Record<string, string> = {};
    if (name.value.trim() !== settings.name) changes['name'] = name.value;
    if (address.value.trim() !== settings.address) changes['address'] = address.value;
    if (format.value.trim() !== settings.certificate_number_format) changes['certificate_number_format'] = format.value;
    if (Object.keys(changes).length === 0) return;
    ({ data: settings } = await apiFetch<Settings>('PATCH', '/api/organisation', { json: changes }));
    showExamples(settings.certificate_number_examples);
    replace(saved, savedNote(app));
  });

  // --- Logo ---
  const logoBox = h('div', { id: 'logo-box' });
  const logoMessage = h('div', { id: 'logo-message', role: 'status' });
  const file = h('input', { type: 'file', id: 'logo-file', accept: 'image/png,image/jpeg', class: 'visually-hidden' });
  const logoPanel = panel({ id: 'organisation-logo' }, m(app, 'logo'), h('p', { class: 'hint' }, m(app, 'logoHint')), formErrorSlot(), logoBox, logoMessage);
  const renderLogo = (): void => {
    replace(
      logoBox,
      settings.logo
        ? h('img', { src: settings.logo.url, alt: m(app, 'logo'), id: 'logo-image', class: 'logo-preview', 'data-sha256': settings.logo.sha256, width: settings.logo.width, height: settings.logo.height })
        : h('p', { class: 'empty', 'data-empty': 'logo' }, m(app, 'noLogo')),
      h(
        'div',
        { class: 'toolbar' },
        h('label', { class: 'button', for: 'logo-file', id: 'logo-upload' }, m(app, 'upload')),
        file,
        settings.logo
          ? h(
              'button',
              {
                type: 'button',
                class: 'button button--danger',
                id: 'logo-remove',
                onclick: () => {
                  if (!window.confirm(m(app, 'removeAsk'))) return;
                  clearErrors(logoPanel);
                  apiFetch('DELETE', '/api/organisation/logo').then(
                    () => {
                      settings = { ...settings, logo: null };
                      renderLogo();
                      replace(logoMessage, savedNote(app, m(app, 'removed')));
                    },
                    (error: unknown) => showErrors(app, logoPanel, error),
                  );
                },
              },
              m(app, 'remove'),
            )
          : null,
      ),
    );
  };
  file.addEventListener('change', () => {
    const chosen = file.files?.[0];
    file.value = '';
    if (!chosen) return;
    clearErrors(logoPanel);
    replace(logoMessage);
    apiFetch<Settings>('PUT', '/api/organisation/logo', { body: chosen }).then(
      ({ data }) => {
        settings = data;
        renderLogo();
        replace(logoMessage, savedNote(app, m(app, 'uploaded')));
      },
      (error: unknown) => showErrors(app, logoPanel, error),
    );
  });
  renderLogo();

  replace(
    main,
    pageHeader(m(app, 'title')),
    panel({ id: 'organisation-basics' }, `${m(app, 'basics')} · ${m(app, 'numbers')}`, form),
    logoPanel,
  );
};
