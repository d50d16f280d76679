/**
 * Which service items each certification mode rates (审查抽样计划, CQC rule §4.4.4 a); seed 003:
 * the audit team decides at planning which items can be experienced unannounced and which are
 * inspected openly). The plan editor's field, what the form sends (`sampling.items_by_mode`) and
 * the plan's summary of it. A mode left empty is left out of the plan: it rates every item (the
 * server refuses an empty list, backend/planning/plans.py `_check_items_by_mode`).
 */

import { modeLabel } from '../../ui/app';
import { h } from '../../ui/h';
import { defineMessages, type HasLocale } from '../messages';
import type { App } from '../../ui/app';
import type { ServiceGroup } from './api';

const m = defineMessages(
  {
    legend: '各评价模式的服务特性检验项目',
    hint: '审查组在策划时确定哪些项目可暗访体验、哪些须公开检查。某一模式不勾选任何项目，即评价全部项目。',
    all: '全选',
    none: '全不选',
    chosen: '已选 {n} / {of} 项',
    everything: '未勾选：评价全部项目',
    summary: '{mode}：{list}（{n} 项）',
    summaryAll: '{mode}：全部项目（未限定）',
  },
  {
    legend: 'Service items rated in each mode',
    hint: 'The audit team decides at planning which items can be experienced unannounced and which are inspected openly. A mode with no item ticked rates every item.',
    all: 'Select all',
    none: 'Select none',
    chosen: '{n} of {of} items',
    everything: 'None ticked: every item',
    summary: '{mode}: {list} ({n} items)',
    summaryAll: '{mode}: all items (not limited)',
  },
);

/**
 * The modes that rate the scheme's service items (GB/T 27207: A/B inspection, C/D measurement,
 * open or unannounced); the engagement's other modes (survey, capability, audits) have none.
 */
const ITEM_MODES = new Set(['A', 'B', 'C', 'D']);

/** The engagement's modes that rate service items, with any mode the saved plan already names. */
export function itemModes(modes: readonly string[], saved: Readonly<Record<string, string[]>>): string[] {
  return [...new Set([...modes.filter((mode) => ITEM_MODES.has(mode)), ...Object.keys(saved)])].sort();
}

const text = (app: HasLocale, t: { zh: string; en: string }): string => (app.i18n.locale === 'en' ? t.en || t.zh : t.zh);
const inputName = (mode: string): string => `items_by_mode.${mode}`;

/** The field: per mode, the scheme's items by characteristic, with select all / none. */
export function itemsByModeField(app: App, modes: readonly string[], model: readonly ServiceGroup[], saved: Readonly<Record<string, string[]>>): HTMLElement | null {
  if (!modes.length || !model.length) return null;
  const total = model.reduce((n, g) => n + g.items.length, 0);
  return h(
    'fieldset',
    { class: 'fieldset', id: 'plan-items-by-mode', 'data-field': 'sampling.items_by_mode' },
    h('legend', null, m(app, 'legend')),
    h('p', { class: 'hint' }, m(app, 'hint')),
    modes.map((mode) => {
      const on = new Set(saved[mode] ?? []);
      const count = h('span', { class: 'hint', 'data-chosen': String(on.size) }, m(app, 'chosen', { n: on.size, of: total }));
      const box = h(
        'fieldset',
        { class: 'mode-items', 'data-items-mode': mode },
        h('legend', null, modeLabel(app, mode)),
        h(
          'div',
          { class: 'toolbar mode-items__tools' },
          h('button', { type: 'button', class: 'button button--small', 'data-select-all': mode, onclick: () => setAll(box, true) }, m(app, 'all')),
          h('button', { type: 'button', class: 'button button--small', 'data-select-none': mode, onclick: () => setAll(box, false) }, m(app, 'none')),
          count,
        ),
        h(
          'div',
          { class: 'mode-items__groups' },
          model.map((group) =>
            h(
              'div',
              { class: 'mode-items__group', 'data-characteristic': group.code },
              h('p', { class: 'mode-items__title' }, group.code ? `${group.code} ${text(app, group.title)}` : text(app, group.title)),
              group.items.map((item) =>
                h(
                  'label',
                  { class: 'check' },
                  h('input', { type: 'checkbox', name: inputName(mode), value: item.code, checked: on.has(item.code) }),
                  ` ${item.code} ${text(app, item.title)}`,
                ),
              ),
            ),
          ),
        ),
      );
      const recount = (): void => {
        const n = box.querySelectorAll('input[type="checkbox"]:checked').length;
        count.dataset['chosen'] = String(n);
        count.textContent = n ? m(app, 'chosen', { n, of: total }) : m(app, 'everything');
      };
      const setAll = (root: HTMLElement, value: boolean): void => {
        for (const input of root.querySelectorAll<HTMLInputElement>('input[type="checkbox"]')) input.checked = value;
        recount();
      };
      box.addEventListener('change', recount);
      recount();
      return box;
    }),
    h('p', { class: 'field__error', 'data-field-error': '', hidden: true }),
  );
}

/** What the form sends: only the modes with items ticked (an empty mode rates every item). */
export function readItemsByMode(form: HTMLElement, modes: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const mode of modes) {
    const codes = [...form.querySelectorAll<HTMLInputElement>(`input[name="${CSS.escape(inputName(mode))}"]:checked`)].map((i) => i.value);
    if (codes.length) out[mode] = codes;
  }
  return out;
}

/** The plan's division of the items by mode, one line a mode, for reading the plan. */
export function itemsByModeSummary(app: App, modes: readonly string[], saved: Readonly<Record<string, string[]>>, id: string): HTMLElement | null {
  if (!modes.length) return null;
  return h(
    'ul',
    { class: 'plain-list', id, 'data-items-by-mode': JSON.stringify(saved) },
    modes.map((mode) => {
      const codes = saved[mode] ?? [];
      return h(
        'li',
        { 'data-summary-mode': mode, 'data-items': codes.join(' ') },
        codes.length ? m(app, 'summary', { mode: modeLabel(app, mode), list: codes.join('、'), n: codes.length }) : m(app, 'summaryAll', { mode: modeLabel(app, mode) }),
      );
    }),
  );
}
