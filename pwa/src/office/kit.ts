/**
 * The office building blocks: page header and toolbar, tables (with paging), form fields that
 * show the one error shape's per-field `details`, empty states and status chips. Plain DOM via
 * ui/h.ts like every screen of the app (docs/office.md says why there is no framework).
 *
 * DOM contract (pwa/README.md, "Office screens"): tables are `table#<id>` with
 * `tr[data-row-id]`; a pager is `[data-pager=<id>]` with `[data-page-prev]`, `[data-page-next]`
 * and `[data-page-info]`; a field is `[data-field=<name>]` with its message in
 * `[data-field-error]`; a form's other errors are in `[data-form-error]` (`data-code` = the
 * server's code); an empty state is `[data-empty=<id>]`; a chip is `.status-chip[data-status]`.
 */

import { ApiError, NetworkError } from '../data/api';
import { errorText } from '../ui/app';
import { h, replace, type Child, type Props } from '../ui/h';
import { defineMessages, localiseMessage, type HasLocale } from './messages';

export { localiseMessage };

const m = defineMessages(
  {
    prev: '上一页',
    next: '下一页',
    more: '加载更多',
    moreFailed: '没能加载更多，请重试。',
    page: '第 {page} 页',
    pageOf: '第 {page} / {pages} 页，共 {total} 条',
    loading: '正在加载…',
    offline: '连不上服务器：办公页面需要联网，请检查网络后重试。',
    retry: '重试',
    saved: '已保存',
    required: '必填',
    otherErrors: '请修改以下内容：',
  },
  {
    prev: 'Previous',
    next: 'Next',
    more: 'Load more',
    moreFailed: 'Could not load more. Try again.',
    page: 'Page {page}',
    pageOf: 'Page {page} of {pages}, {total} in all',
    loading: 'Loading…',
    offline: 'The server cannot be reached: office screens need a connection. Check it and try again.',
    retry: 'Try again',
    saved: 'Saved',
    required: 'required',
    otherErrors: 'Please correct:',
  },
);

// --- Page frame ---------------------------------------------------------------------------

/** The screen's `h2` with its toolbar on the right (wraps under it when narrow). */
export function pageHeader(title: string, ...actions: Child[]): HTMLElement {
  return h('header', { class: 'desk-head' }, h('h2', null, title), actions.length ? toolbar(...actions) : null);
}

export function toolbar(...children: Child[]): HTMLElement {
  return h('div', { class: 'toolbar', role: 'toolbar' }, children);
}

/** A titled block of a screen (a home panel, a form section). */
export function panel(props: Props, title: string, ...children: Child[]): HTMLElement {
  return h('section', { class: 'panel', ...props }, h('h3', { class: 'panel__title' }, title), children);
}

export function loading(app: HasLocale): HTMLElement {
  return h('p', { class: 'hint', 'data-loading': '' }, m(app, 'loading'));
}

/** Why a load failed, in plain words (offline said as such), with a retry button. */
export function loadError(app: HasLocale, error: unknown, retry?: () => void): HTMLElement {
  const text = error instanceof NetworkError ? m(app, 'offline') : errorText(error);
  return h(
    'div',
    { class: 'error', role: 'alert', 'data-load-error': error instanceof ApiError ? error.code : 'network' },
    h('p', null, text),
    retry ? h('button', { type: 'button', class: 'button button--small', onclick: retry }, m(app, 'retry')) : null,
  );
}

/** Nothing to show (yet): what it means and, when useful, the way to start. */
export function emptyState(id: string, text: string, action?: Child): HTMLElement {
  return h('div', { class: 'empty', 'data-empty': id }, h('p', null, text), action ?? null);
}

export type ChipTone = 'neutral' | 'good' | 'warn' | 'bad' | 'info';

/** A status in a word: `data-status` is the machine value, the text is for people. */
export function statusChip(status: string, text: string, tone: ChipTone = 'neutral'): HTMLElement {
  return h('span', { class: `status-chip status-chip--${tone}`, 'data-status': status }, text);
}

// --- Tables --------------------------------------------------------------------------------

export interface Column<T> {
  /** `data-col` on the cells (tests, widths). */
  key: string;
  label: string;
  cell(row: T): Child;
  /** `num` right-aligns, `nowrap` keeps on one line, `wide` takes the slack. */
  class?: string;
}

export interface TableOptions<T> {
  id: string;
  columns: readonly Column<T>[];
  rows: readonly T[];
  rowId(row: T): string;
  rowProps?(row: T): Props;
  caption?: string;
}

/** A wide table in a horizontal scroller (a 768 px tablet scrolls it rather than squashing it). */
export function dataTable<T>(opts: TableOptions<T>): HTMLElement {
  const head = h(
    'tr',
    null,
    opts.columns.map((c) => h('th', { scope: 'col', class: c.class, 'data-col': c.key }, c.label)),
  );
  const body = opts.rows.map((row) =>
    h(
      'tr',
      { 'data-row-id': opts.rowId(row), ...(opts.rowProps?.(row) ?? {}) },
      opts.columns.map((c) => h('td', { class: c.class, 'data-col': c.key }, c.cell(row))),
    ),
  );
  return h(
    'div',
    { class: 'table-scroll' },
    h(
      'table',
      { class: 'table', id: opts.id },
      opts.caption ? h('caption', null, opts.caption) : null,
      h('thead', null, head),
      h('tbody', null, body),
    ),
  );
}

function pagerBar(
  app: HasLocale,
  id: string,
  info: string,
  prev: (() => void) | null,
  next: (() => void) | null,
): HTMLElement {
  return h(
    'nav',
    { class: 'pager', 'data-pager': id },
    h('button', { type: 'button', class: 'button button--small', 'data-page-prev': '', disabled: prev === null, onclick: () => prev?.() }, m(app, 'prev')),
    h('span', { class: 'pager__info', 'data-page-info': '' }, info),
    h('button', { type: 'button', class: 'button button--small', 'data-page-next': '', disabled: next === null, onclick: () => next?.() }, m(app, 'next')),
  );
}

/** Rows already in hand, `pageSize` at a time (users, clients: tens to hundreds). */
export function localPagedTable<T>(app: HasLocale, opts: TableOptions<T> & { pageSize?: number; empty: HTMLElement }): HTMLElement {
  const size = opts.pageSize ?? 25;
  const holder = h('div', { class: 'paged', 'data-paged': opts.id });
  const pages = Math.max(1, Math.ceil(opts.rows.length / size));
  const show = (page: number): void => {
    if (opts.rows.length === 0) {
      replace(holder, opts.empty);
      return;
    }
    const rows = opts.rows.slice(page * size, page * size + size);
    replace(
      holder,
      dataTable({ ...opts, rows }),
      pages > 1
        ? pagerBar(
            app,
            opts.id,
            m(app, 'pageOf', { page: page + 1, pages, total: opts.rows.length }),
            page > 0 ? () => show(page - 1) : null,
            page + 1 < pages ? () => show(page + 1) : null,
          )
        : null,
    );
    holder.dataset['page'] = String(page + 1);
  };
  show(0);
  return holder;
}

export interface CursorPage<T> {
  items: readonly T[];
  /** The cursor of the next (older) page, null at the end. */
  next: string | null;
}

/**
 * Rows the server pages with a cursor (the audit log's `before_id`): Next asks for the page
 * after, Previous goes back through the cursors seen. `load(null)` is the first page.
 */
export function cursorPagedTable<T>(
  app: HasLocale,
  opts: Omit<TableOptions<T>, 'rows'> & { load(cursor: string | null): Promise<CursorPage<T>>; empty: HTMLElement },
): HTMLElement {
  const holder = h('div', { class: 'paged', 'data-paged': opts.id });
  const cursors: (string | null)[] = [null];
  const show = async (index: number): Promise<void> => {
    holder.dataset['state'] = 'loading';
    holder.setAttribute('aria-busy', 'true');
    let page: CursorPage<T>;
    try {
      page = await opts.load(cursors[index] ?? null);
    } catch (error) {
      replace(holder, loadError(app, error, () => void show(index)));
      holder.dataset['state'] = 'error';
      holder.removeAttribute('aria-busy');
      return;
    }
    if (page.next !== null) cursors[index + 1] = page.next;
    replace(
      holder,
      page.items.length === 0 && index === 0 ? opts.empty : dataTable({ ...opts, rows: page.items }),
      index > 0 || page.next !== null
        ? pagerBar(
            app,
            opts.id,
            m(app, 'page', { page: index + 1 }),
            index > 0 ? () => void show(index - 1) : null,
            page.next !== null ? () => void show(index + 1) : null,
          )
        : null,
    );
    holder.dataset['page'] = String(index + 1);
    holder.dataset['state'] = 'ready';
    holder.removeAttribute('aria-busy');
  };
  void show(0);
  return holder;
}

/**
 * "Load more" under a list read a page at a time (`[data-load-more=<id>]`): `more()` fetches
 * the next page and redraws the list (the button with it). Busy while loading; a failure
 * leaves the rows shown and says so next to the button.
 */
export function loadMoreButton(app: HasLocale, id: string, more: () => Promise<void>): HTMLElement {
  const note = h('span', { class: 'hint', role: 'status', 'data-load-more-error': '' });
  const button = h('button', { type: 'button', class: 'button button--small', 'data-load-more': id }, m(app, 'more')) as HTMLButtonElement;
  button.addEventListener('click', () => {
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    note.textContent = '';
    more().catch(() => {
      button.disabled = false;
      button.removeAttribute('aria-busy');
      note.textContent = m(app, 'moreFailed');
    });
  });
  return h('div', { class: 'toolbar' }, button, note);
}

// --- Forms ---------------------------------------------------------------------------------

export interface FieldOptions {
  /** The API's field name: the server's `details` key for it (`address`, `location.lat`). */
  name: string;
  label: string;
  hint?: string;
  required?: boolean;
}

/** A labelled control with room for its hint and its error (`[data-field-error]`). */
export function field(opts: FieldOptions, control: HTMLElement): HTMLElement {
  const id = control.id || `f-${opts.name.replace(/[^A-Za-z0-9_-]/g, '-')}`;
  control.id = id;
  control.setAttribute('name', opts.name);
  if (opts.required) control.setAttribute('required', '');
  const error = h('p', { class: 'field__error', 'data-field-error': '', id: `${id}-error`, role: 'alert', hidden: true });
  control.setAttribute('aria-describedby', `${id}-error`);
  const box = h(
    'div',
    { class: 'field', 'data-field': opts.name },
    h('label', { for: id }, opts.label),
    control,
    opts.hint ? h('p', { class: 'hint field__hint' }, opts.hint) : null,
    error,
  );
  // Once the person changes a refused value, its old message no longer applies.
  const settle = (): void => {
    if (!('invalid' in box.dataset)) return;
    delete box.dataset['invalid'];
    control.removeAttribute('aria-invalid');
    error.hidden = true;
    error.textContent = '';
  };
  control.addEventListener('input', settle);
  control.addEventListener('change', settle);
  return box;
}


export function textInput(props: Props = {}): HTMLInputElement {
  return h('input', { type: 'text', class: 'input', autocomplete: 'off', ...props });
}

export function textArea(props: Props = {}): HTMLTextAreaElement {
  return h('textarea', { class: 'input', rows: 3, ...props });
}

export function select(options: readonly (readonly [string, string])[], props: Props = {}): HTMLSelectElement {
  const value = props['value'];
  const { value: _omit, ...rest } = props;
  void _omit;
  const element = h(
    'select',
    { class: 'input', ...rest },
    options.map(([v, label]) => h('option', { value: v, selected: v === value }, label)),
  );
  if (typeof value === 'string') element.value = value;
  return element;
}

/** The one error shape's `details` as `path → messages` (`{location: {lat: [..]}}` → `location.lat`). */
export function flattenDetails(details: unknown, prefix = ''): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (details === null || typeof details !== 'object') return out;
  for (const [key, value] of Object.entries(details as Record<string, unknown>)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) out.set(path, value as string[]);
    else if (typeof value === 'string') out.set(path, [value]);
    else if (Array.isArray(value)) value.forEach((v, i) => flattenDetails(v, `${path}.${i}`).forEach((msgs, p) => out.set(p, msgs)));
    else for (const [p, msgs] of flattenDetails(value, path)) out.set(p, msgs);
  }
  return out;
}

/** Clear every error a form shows. */
export function clearErrors(form: HTMLElement): void {
  for (const el of form.querySelectorAll<HTMLElement>('[data-field-error]')) {
    el.hidden = true;
    el.textContent = '';
  }
  for (const el of form.querySelectorAll<HTMLElement>('[data-field][data-invalid]')) el.removeAttribute('data-invalid');
  for (const el of form.querySelectorAll<HTMLElement>('[aria-invalid]')) el.removeAttribute('aria-invalid');
  const formError = form.querySelector<HTMLElement>('[data-form-error]');
  if (formError) {
    formError.hidden = true;
    replace(formError);
  }
}

/**
 * Show an error from the server on the form: each field's messages beside it, the rest (and the
 * message itself) in the form's `[data-form-error]` with the server's code in `data-code`.
 * Returns the paths that had no field (shown with their path in the list).
 */
export function showErrors(app: HasLocale, form: HTMLElement, error: unknown): string[] {
  clearErrors(form);
  let formError = form.querySelector<HTMLElement>('[data-form-error]');
  if (!formError) {
    formError = h('div', { class: 'error form-error', role: 'alert', 'data-form-error': '' });
    form.prepend(formError);
  }
  const details = error instanceof ApiError ? flattenDetails(error.details) : new Map<string, string[]>();
  const unplaced: string[] = [];
  for (const [path, messages] of details) {
    const box = form.querySelector<HTMLElement>(`[data-field="${CSS.escape(path)}"]`);
    const slot = box?.querySelector<HTMLElement>('[data-field-error]');
    if (box && slot) {
      box.dataset['invalid'] = '';
      box.querySelector('input, select, textarea')?.setAttribute('aria-invalid', 'true');
      slot.textContent = messages.map((text) => localiseMessage(app, text)).join(' ');
      slot.hidden = false;
    } else {
      unplaced.push(path);
    }
  }
  const placed = details.size - unplaced.length;
  formError.dataset['code'] = error instanceof ApiError ? error.code : 'network';
  replace(
    formError,
    h('p', null, error instanceof NetworkError ? m(app, 'offline') : errorText(error)),
    unplaced.length
      ? h(
          'ul',
          { class: 'error-paths' },
          unplaced.map((path) => h('li', { 'data-error-path': path }, h('code', null, path), ' ', (details.get(path) ?? []).map((text) => localiseMessage(app, text)).join(' '))),
        )
      : null,
  );
  formError.hidden = false;
  // A field error is where the eye is; jump to the first one.
  const first = placed > 0 ? form.querySelector<HTMLElement>('[data-invalid] input, [data-invalid] select, [data-invalid] textarea') : null;
  first?.focus();
  return unplaced;
}

/**
 * Wire a form: on submit, clear errors, disable the submit button, run `save`; a thrown error
 * is shown with showErrors. `[data-form-state]` on the form: `idle` / `saving` / `saved` / `error`.
 */
export function onSubmit(app: HasLocale, form: HTMLFormElement, save: () => Promise<void>): void {
  form.dataset['formState'] = 'idle';
  form.noValidate = true;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (form.dataset['formState'] === 'saving') return;
    clearErrors(form);
    form.dataset['formState'] = 'saving';
    const buttons = [...form.querySelectorAll<HTMLButtonElement>('button[type=submit]')];
    for (const b of buttons) b.disabled = true;
    save().then(
      () => {
        if (form.isConnected) form.dataset['formState'] = 'saved';
      },
      (error: unknown) => {
        form.dataset['formState'] = 'error';
        showErrors(app, form, error);
      },
    ).finally(() => {
      for (const b of buttons) b.disabled = false;
    });
  });
}

/** A short confirmation beside a form's buttons (`[data-saved]`), replaced on the next save. */
export function savedNote(app: HasLocale, text?: string): HTMLElement {
  return h('p', { class: 'success', role: 'status', 'data-saved': '' }, text ?? m(app, 'saved'));
}

export function formErrorSlot(): HTMLElement {
  return h('div', { class: 'error form-error', role: 'alert', 'data-form-error': '', hidden: true });
}

// --- Small formatting ----------------------------------------------------------------------

export function dateTime(app: HasLocale, iso: string | null | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(app.i18n.locale === 'en' ? 'en-GB' : 'zh-CN', {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  });
}
