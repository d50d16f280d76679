/**
 * `#/office/schemes`: every imported version, grouped by scheme, with which one is current (new
 * engagements start from it; planned ones keep theirs) and how many engagements use each.
 * `#/office/schemes/<id>`: one version, and a choice of another to compare it with.
 */

import { h, replace } from '../../ui/h';
import type { App } from '../../ui/app';
import { dataTable, dateTime, emptyState, pageHeader, panel, showErrors, statusChip, formErrorSlot } from '../kit';
import { schemeStatusChip } from '../home/panels';
import { defineMessages } from '../messages';
import { officeHref, type OfficeContext, type OfficeView } from '../registry';
import type { SchemeVersion } from '../types';
import { CAN_IMPORT, loadCatalogue, makeCurrent, type SchemeCatalogue } from './data';

export const m = defineMessages(
  {
    title: '认证方案',
    import: '导入方案文件',
    empty: '还没有导入认证方案。',
    version: '版本',
    status: '状态',
    current: '当前版本',
    notCurrent: '—',
    engagements: '使用的项目',
    imported: '导入时间',
    hash: '内容指纹',
    actions: '',
    makeCurrent: '设为当前版本',
    compare: '与当前版本对比',
    currentNote: '新策划的认证项目默认使用“当前版本”；已策划的项目保留策划时的版本，不受影响。',
    madeCurrent: '已设为当前版本：{version}',
    detail: '方案版本',
    compareWith: '对比另一个版本',
    open: '对比',
    source: '下载方案文件（YAML）',
    back: '返回方案列表',
    notFound: '没有这个方案版本。',
    incompleteNote: '此版本缺少部分条款：可由方案管理员把缺少的条款写入方案文件，作为新版本导入。',
  },
  {
    title: 'Schemes',
    import: 'Import a scheme file',
    empty: 'No scheme imported yet.',
    version: 'Version',
    status: 'Status',
    current: 'Current',
    notCurrent: '—',
    engagements: 'Engagements',
    imported: 'Imported',
    hash: 'Content hash',
    actions: '',
    makeCurrent: 'Make current',
    compare: 'Compare with current',
    currentNote: 'New engagements start from the current version; planned ones keep the version they were planned with.',
    madeCurrent: 'Now current: {version}',
    detail: 'Scheme version',
    compareWith: 'Compare with another version',
    open: 'Compare',
    source: 'Download the scheme file (YAML)',
    back: 'Back to the schemes',
    notFound: 'No such scheme version.',
    incompleteNote: 'Clauses are missing from this version: a scheme manager writes them into the scheme file and imports it as a new version.',
  },
);

function versionTable(ctx: OfficeContext, scheme: string, rows: SchemeVersion[], catalogue: SchemeCatalogue, onChange: () => void, errors: HTMLElement): HTMLElement {
  const { app } = ctx;
  const currentId = catalogue.current.get(scheme);
  const canChoose = CAN_IMPORT.includes(ctx.me.role);
  return dataTable({
    id: `versions-${scheme}`,
    rows,
    rowId: (v) => v.id,
    rowProps: (v) => ({ 'data-current': String(v.id === currentId), 'data-version': v.version }),
    columns: [
      { key: 'version', label: m(app, 'version'), cell: (v) => h('a', { class: 'link', href: officeHref('schemes', v.id) }, v.version), class: 'nowrap' },
      { key: 'status', label: m(app, 'status'), cell: (v) => schemeStatusChip(app, v.status) },
      { key: 'current', label: m(app, 'current'), cell: (v) => (v.id === currentId ? statusChip('current', m(app, 'current'), 'info') : m(app, 'notCurrent')) },
      { key: 'engagements', label: m(app, 'engagements'), cell: (v) => catalogue.usage.get(v.id) ?? 0, class: 'num' },
      { key: 'imported', label: m(app, 'imported'), cell: (v) => dateTime(app, v.imported_at), class: 'nowrap' },
      { key: 'hash', label: m(app, 'hash'), cell: (v) => h('code', { class: 'muted', title: v.content_hash }, v.content_hash.slice(7, 19)) },
      {
        key: 'actions',
        label: m(app, 'actions'),
        class: 'nowrap',
        cell: (v) => [
          currentId && v.id !== currentId ? h('a', { class: 'button button--small', href: officeHref('schemes', currentId, 'diff', v.id), 'data-compare': v.id }, m(app, 'compare')) : null,
          canChoose && v.id !== currentId
            ? h(
                'button',
                {
                  type: 'button',
                  class: 'button button--small',
                  'data-make-current': v.id,
                  onclick: () => {
                    makeCurrent(v.id).then(onChange, (error: unknown) => showErrors(app, errors, error));
                  },
                },
                m(app, 'makeCurrent'),
              )
            : null,
        ],
      },
    ],
  });
}

export const schemesView: OfficeView = async (ctx, main) => {
  const { app } = ctx;
  const errors = h('div', null, formErrorSlot());
  const render = async (): Promise<void> => {
    const catalogue = await loadCatalogue();
    const groups = new Map<string, SchemeVersion[]>();
    for (const v of catalogue.versions) groups.set(v.scheme_id, [...(groups.get(v.scheme_id) ?? []), v]);
    replace(
      main,
      pageHeader(
        m(app, 'title'),
        CAN_IMPORT.includes(ctx.me.role) ? h('a', { class: 'button button--primary', href: officeHref('schemes/import'), id: 'schemes-import' }, m(app, 'import')) : null,
      ),
      h('p', { class: 'hint' }, m(app, 'currentNote')),
      errors,
      groups.size === 0
        ? emptyState('schemes', m(app, 'empty'))
        : [...groups].map(([scheme, rows]) => {
            const latest = rows[rows.length - 1] as SchemeVersion;
            return panel({ 'data-scheme': scheme }, `${app.text(latest.title)} · ${scheme}`, versionTable(ctx, scheme, rows, catalogue, () => void render(), errors));
          }),
    );
  };
  await render();
};

export function versionLabel(app: App, v: SchemeVersion): string {
  return `${app.text(v.title)} ${v.version}`;
}

export const schemeView: OfficeView = async (ctx, main) => {
  const { app } = ctx;
  const id = ctx.params['id'] ?? '';
  const catalogue = await loadCatalogue();
  const version = catalogue.versions.find((v) => v.id === id);
  if (!version) {
    replace(main, pageHeader(m(app, 'notFound')), h('a', { class: 'button', href: officeHref('schemes') }, m(app, 'back')));
    return;
  }
  const others = catalogue.versions.filter((v) => v.id !== id);
  const choice = h('select', { class: 'input', id: 'compare-with' }, others.map((v) => h('option', { value: v.id }, `${v.scheme_id} ${v.version}`)));
  const currentId = catalogue.current.get(version.scheme_id);
  if (currentId && currentId !== id) choice.value = currentId;
  replace(
    main,
    pageHeader(versionLabel(app, version), h('a', { class: 'button', href: officeHref('schemes') }, m(app, 'back'))),
    h(
      'dl',
      { class: 'facts', id: 'scheme-facts' },
      h('dt', null, m(app, 'version')),
      h('dd', null, `${version.scheme_id} ${version.version}`),
      h('dt', null, m(app, 'status')),
      h('dd', null, schemeStatusChip(app, version.status)),
      h('dt', null, m(app, 'current')),
      h('dd', { 'data-current': String(currentId === id) }, currentId === id ? statusChip('current', m(app, 'current'), 'info') : m(app, 'notCurrent')),
      h('dt', null, m(app, 'engagements')),
      h('dd', null, String(catalogue.usage.get(id) ?? 0)),
      h('dt', null, m(app, 'imported')),
      h('dd', null, dateTime(app, version.imported_at)),
      h('dt', null, m(app, 'hash')),
      h('dd', null, h('code', null, version.content_hash)),
    ),
    version.status !== 'complete' ? h('p', { class: 'warning' }, m(app, 'incompleteNote')) : null,
    h('p', null, h('a', { class: 'link', href: `/api/schemes/${id}/source`, download: `${version.scheme_id}-${version.version}.yaml` }, m(app, 'source'))),
    others.length
      ? panel(
          { id: 'scheme-compare' },
          m(app, 'compareWith'),
          h(
            'div',
            { class: 'toolbar' },
            choice,
            h('button', { type: 'button', class: 'button', id: 'compare-open', onclick: () => ctx.go(`schemes/${choice.value}/diff/${id}`) }, m(app, 'open')),
          ),
        )
      : null,
  );
};
