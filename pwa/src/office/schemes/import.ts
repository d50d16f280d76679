/**
 * `#/office/schemes/import`: import a scheme file (docs/scheme-format.md), chosen from disk or
 * pasted. The server checks it; a refused file lists every problem with its path in the
 * document (`SCHEME_INVALID`, `details.problems`). An imported version can be compared with
 * the current one and made current from here.
 */

import { ApiError, apiFetch } from '../../data/api';
import { h, replace } from '../../ui/h';
import { dataTable, loadError, pageHeader, panel, statusChip, textArea } from '../kit';
import { defineMessages } from '../messages';
import { officeHref, type OfficeView } from '../registry';
import type { SchemeVersion } from '../types';
import { loadCatalogue, makeCurrent } from './data';

const m = defineMessages(
  {
    title: '导入方案文件',
    intro: '选择方案文件（YAML，格式见 docs/scheme-format.md），或把文件内容粘贴到下面。同一文件重复导入不会新建版本；内容改动后须改 version 再导入。',
    file: '选择文件',
    text: '文件内容',
    submit: '导入',
    problems: '方案文件有 {n} 处问题，未导入：',
    path: '位置',
    message: '问题',
    root: '（整个文件）',
    conflict: '这个方案编号和版本已导入过，但内容不同：改动后的方案请使用新的版本号。',
    created: '已导入新版本：{title} {version}',
    existed: '这个文件已导入过（同一内容）：{title} {version}',
    compare: '与当前版本对比',
    makeCurrent: '设为当前版本',
    isCurrent: '这是当前版本',
    list: '返回方案列表',
    empty: '请选择文件或粘贴内容。',
  },
  {
    title: 'Import a scheme file',
    intro: 'Choose a scheme file (YAML, format in docs/scheme-format.md) or paste its text below. Importing the same file again creates nothing; a changed file needs a new version.',
    file: 'Choose a file',
    text: 'File text',
    submit: 'Import',
    problems: 'The scheme file has {n} problem(s) and was not imported:',
    path: 'Where',
    message: 'Problem',
    root: '(the whole file)',
    conflict: 'This scheme id and version were imported before with other content: give the changed file a new version.',
    created: 'New version imported: {title} {version}',
    existed: 'This file was imported before (same content): {title} {version}',
    compare: 'Compare with the current version',
    makeCurrent: 'Make current',
    isCurrent: 'This is the current version',
    list: 'Back to the schemes',
    empty: 'Choose a file or paste its text.',
  },
);

interface Problem {
  path: string;
  message: string;
}

export const importView: OfficeView = (ctx, main) => {
  const { app } = ctx;
  const file = h('input', { type: 'file', id: 'scheme-file', accept: '.yaml,.yml,application/yaml,text/yaml,text/plain' });
  const text = textArea({ id: 'scheme-text', rows: 16, spellcheck: 'false', class: 'input code-input' });
  const result = h('div', { id: 'scheme-result', 'aria-live': 'polite' });
  file.addEventListener('change', () => {
    const chosen = file.files?.[0];
    if (chosen) void chosen.text().then((t) => (text.value = t));
  });
  const submit = h('button', { type: 'submit', class: 'button button--primary', id: 'scheme-submit' }, m(app, 'submit'));
  const form = h(
    'form',
    { id: 'scheme-form' },
    h('div', { class: 'field' }, h('label', { for: 'scheme-file' }, m(app, 'file')), file),
    h('div', { class: 'field' }, h('label', { for: 'scheme-text' }, m(app, 'text')), text),
    h('div', { class: 'form-actions' }, submit),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (text.value.trim() === '') {
      replace(result, h('p', { class: 'error', role: 'alert', 'data-result': 'empty' }, m(app, 'empty')));
      return;
    }
    submit.disabled = true;
    replace(result);
    apiFetch<SchemeVersion>('POST', '/api/schemes', { body: new Blob([text.value], { type: 'application/yaml' }), headers: { 'Content-Type': 'application/yaml' } })
      .then(
        ({ status, data }) => showImported(status === 201, data),
        (error: unknown) => showRefusal(error),
      )
      .finally(() => (submit.disabled = false));
  });

  function showRefusal(error: unknown): void {
    if (error instanceof ApiError && error.code === 'SCHEME_INVALID') {
      const problems = ((error.details as { problems?: Problem[] } | null)?.problems ?? []).filter((p) => typeof p.path === 'string');
      replace(
        result,
        h(
          'div',
          { class: 'form-error', role: 'alert', 'data-result': 'invalid', 'data-code': error.code },
          h('p', null, m(app, 'problems', { n: problems.length })),
          dataTable({
            id: 'scheme-problems',
            rows: problems,
            rowId: (p) => p.path,
            rowProps: (p) => ({ 'data-path': p.path }),
            columns: [
              { key: 'path', label: m(app, 'path'), cell: (p) => h('code', null, p.path || m(app, 'root')), class: 'nowrap' },
              { key: 'message', label: m(app, 'message'), cell: (p) => p.message, class: 'wide' },
            ],
          }),
        ),
      );
      return;
    }
    if (error instanceof ApiError && error.code === 'CONFLICT') {
      replace(result, h('div', { class: 'form-error', role: 'alert', 'data-result': 'conflict', 'data-code': error.code }, h('p', null, m(app, 'conflict')), h('p', { class: 'muted' }, error.message)));
      return;
    }
    replace(result, h('div', { 'data-result': 'error' }, loadError(app, error)));
  }

  function showImported(created: boolean, version: SchemeVersion): void {
    void loadCatalogue().then((catalogue) => {
      const currentId = catalogue.current.get(version.scheme_id);
      const isCurrent = currentId === version.id;
      const status = h('span', { id: 'scheme-current' }, isCurrent ? statusChip('current', m(app, 'isCurrent'), 'info') : null);
      replace(
        result,
        panel(
          { 'data-result': created ? 'created' : 'existed', 'data-version-id': version.id },
          m(app, created ? 'created' : 'existed', { title: app.text(version.title), version: version.version }),
          h(
            'div',
            { class: 'toolbar' },
            status,
            currentId && !isCurrent ? h('a', { class: 'button', id: 'scheme-compare', href: officeHref('schemes', currentId, 'diff', version.id) }, m(app, 'compare')) : null,
            !isCurrent
              ? h(
                  'button',
                  {
                    type: 'button',
                    class: 'button',
                    id: 'scheme-make-current',
                    onclick: (event: Event) => {
                      makeCurrent(version.id).then(
                        () => {
                          (event.target as HTMLElement).remove();
                          replace(status, statusChip('current', m(app, 'isCurrent'), 'info'));
                        },
                        (error: unknown) => showRefusal(error),
                      );
                    },
                  },
                  m(app, 'makeCurrent'),
                )
              : null,
            h('a', { class: 'button', href: officeHref('schemes') }, m(app, 'list')),
          ),
        ),
      );
    });
  }

  replace(main, pageHeader(m(app, 'title')), h('p', { class: 'hint' }, m(app, 'intro')), panel({ id: 'scheme-import' }, m(app, 'title'), form), result);
};
