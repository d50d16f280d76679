/**
 * `#/office/schemes/<old>/diff/<new>`: two versions side by side. Their facts in two columns,
 * then every change (the server's diff: backend/schemes/diff.py) under the part of the scheme it
 * belongs to: items and points, scales and bands, management clauses and levels, conformity
 * clauses, timing, decision rows, lifecycle numbers, the description.
 */

import { apiFetch } from '../../data/api';
import { h, replace } from '../../ui/h';
import { dataTable, dateTime, emptyState, pageHeader, panel, statusChip } from '../kit';
import { schemeStatusChip } from '../home/panels';
import { defineMessages } from '../messages';
import { officeHref, type OfficeView } from '../registry';
import type { SchemeVersion } from '../types';
import { loadCatalogue } from './data';

const m = defineMessages(
  {
    title: '版本对比',
    old: '原版本',
    new: '新版本',
    swap: '交换左右',
    back: '返回方案列表',
    none: '两个版本的内容相同。',
    count: '共 {n} 处不同',
    path: '位置',
    change: '变化',
    before: '原内容',
    after: '新内容',
    added: '新增',
    removed: '删除',
    changed: '修改',
    current: '当前版本',
    engagements: '使用的项目：{n} 个',
    'section.service': '服务特性与评价项（分值）',
    'section.scales': '量表与档位',
    'section.management': '管理要求与等级',
    'section.conformity': '条款符合性',
    'section.timing': '时限检查',
    'section.decision': '认证决定规则',
    'section.lifecycle': '认证周期（天数、年限）',
    'section.modes': '评价方式',
    'section.about': '说明与文件信息',
  },
  {
    title: 'Compare versions',
    old: 'Old version',
    new: 'New version',
    swap: 'Swap sides',
    back: 'Back to the schemes',
    none: 'The two versions have the same content.',
    count: '{n} difference(s)',
    path: 'Where',
    change: 'Change',
    before: 'Before',
    after: 'After',
    added: 'Added',
    removed: 'Removed',
    changed: 'Changed',
    current: 'Current',
    engagements: 'Engagements using it: {n}',
    'section.service': 'Characteristics and items (points)',
    'section.scales': 'Scales and bands',
    'section.management': 'Management requirements and levels',
    'section.conformity': 'Clause conformity',
    'section.timing': 'Timing checks',
    'section.decision': 'Decision rows',
    'section.lifecycle': 'Lifecycle (days, years)',
    'section.modes': 'Evaluation modes',
    'section.about': 'Description and file facts',
  },
);

const SECTIONS = ['service', 'scales', 'management', 'conformity', 'timing', 'decision', 'lifecycle', 'modes', 'about'] as const;
type Section = (typeof SECTIONS)[number];

interface Change {
  section: string;
  path: string;
  change: 'added' | 'removed' | 'changed';
  old: string | null;
  new: string | null;
}

export const diffView: OfficeView = async (ctx, main) => {
  const { app } = ctx;
  const oldId = ctx.params['old'] ?? '';
  const newId = ctx.params['new'] ?? '';
  const [{ data }, catalogue] = await Promise.all([
    apiFetch<{ old: SchemeVersion; new: SchemeVersion; changes: Change[] }>('GET', `/api/schemes/${oldId}/diff/${newId}`),
    loadCatalogue(),
  ]);
  const side = (label: string, v: SchemeVersion, id: string): HTMLElement =>
    h(
      'section',
      { class: 'panel', id, 'data-version-id': v.id },
      h('p', { class: 'muted' }, label),
      h('h3', { class: 'panel__title' }, `${app.text(v.title)}`),
      h('p', null, h('strong', null, `${v.scheme_id} ${v.version}`), ' ', schemeStatusChip(app, v.status), ' ', catalogue.current.get(v.scheme_id) === v.id ? statusChip('current', m(app, 'current'), 'info') : null),
      h('p', { class: 'muted' }, dateTime(app, v.imported_at), ' · ', m(app, 'engagements', { n: catalogue.usage.get(v.id) ?? 0 })),
    );
  const bySection = new Map<Section, Change[]>();
  for (const c of data.changes) {
    const section = (SECTIONS as readonly string[]).includes(c.section) ? (c.section as Section) : 'about';
    bySection.set(section, [...(bySection.get(section) ?? []), c]);
  }
  const chip = (c: Change): HTMLElement => statusChip(c.change, m(app, c.change), c.change === 'added' ? 'good' : c.change === 'removed' ? 'bad' : 'warn');
  replace(
    main,
    pageHeader(
      m(app, 'title'),
      h('a', { class: 'button', id: 'diff-swap', href: officeHref('schemes', newId, 'diff', oldId) }, m(app, 'swap')),
      h('a', { class: 'button', href: officeHref('schemes') }, m(app, 'back')),
    ),
    h('div', { class: 'side-by-side' }, side(m(app, 'old'), data.old, 'diff-old'), side(m(app, 'new'), data.new, 'diff-new')),
    h('p', { id: 'diff-count', 'data-count': data.changes.length }, m(app, 'count', { n: data.changes.length })),
    data.changes.length === 0
      ? emptyState('diff', m(app, 'none'))
      : SECTIONS.filter((s) => bySection.has(s)).map((s) =>
          panel(
            { 'data-section': s },
            `${m(app, `section.${s}`)} (${bySection.get(s)?.length ?? 0})`,
            dataTable({
              id: `diff-${s}`,
              rows: bySection.get(s) ?? [],
              rowId: (c) => c.path,
              rowProps: (c) => ({ 'data-path': c.path, 'data-change': c.change }),
              columns: [
                { key: 'path', label: m(app, 'path'), cell: (c) => h('code', null, c.path) },
                { key: 'change', label: m(app, 'change'), cell: chip },
                { key: 'old', label: m(app, 'before'), cell: (c) => (c.old === null ? '' : h('del', { class: 'diff-old' }, c.old)), class: 'wide' },
                { key: 'new', label: m(app, 'after'), cell: (c) => (c.new === null ? '' : h('ins', { class: 'diff-new' }, c.new)), class: 'wide' },
              ],
            }),
          ),
        ),
  );
};
