/** `#/office/clients`: the clients (认证委托人) I may see; editors add one here. */

import { apiFetch } from '../../data/api';
import { h, replace } from '../../ui/h';
import { dateTime, emptyState, field, formErrorSlot, localPagedTable, onSubmit, pageHeader, panel, textInput } from '../kit';
import { defineMessages } from '../messages';
import { officeHref, type OfficeView } from '../registry';
import type { Client } from '../types';

export const EDITORS = ['admin', 'team_leader'];

const m = defineMessages(
  {
    title: '委托方与场所',
    name: '委托方名称',
    provider: '服务提供者（如与委托方不同）',
    created: '创建时间',
    empty: '还没有委托方。',
    add: '添加委托方',
    create: '添加',
    search: '查找委托方',
  },
  {
    title: 'Clients and sites',
    name: 'Client',
    provider: 'Service provider (if not the client)',
    created: 'Created',
    empty: 'No client yet.',
    add: 'Add a client',
    create: 'Add',
    search: 'Find a client',
  },
);

export const clientsView: OfficeView = async (ctx, main) => {
  const { app } = ctx;
  const { data: clients } = await apiFetch<Client[]>('GET', '/api/clients');
  const search = h('input', { type: 'search', class: 'input', id: 'clients-search', placeholder: m(app, 'search') });
  const list = h('div', { id: 'clients-list' });
  const show = (): void => {
    const needle = search.value.trim();
    replace(
      list,
      localPagedTable(app, {
        id: 'clients-table',
        rows: clients.filter((c) => needle === '' || c.name.includes(needle) || (c.service_provider ?? '').includes(needle)),
        rowId: (c) => c.id,
        empty: emptyState('clients', m(app, 'empty')),
        columns: [
          { key: 'name', label: m(app, 'name'), cell: (c) => h('a', { class: 'link', href: officeHref('clients', c.id) }, c.name), class: 'wide' },
          { key: 'provider', label: m(app, 'provider'), cell: (c) => c.service_provider ?? '' },
          { key: 'created', label: m(app, 'created'), cell: (c) => dateTime(app, c.created_at), class: 'nowrap' },
        ],
      }),
    );
  };
  search.addEventListener('input', show);
  let addPanel: HTMLElement | null = null;
  if (EDITORS.includes(ctx.me.role)) {
    const name = textInput();
    const provider = textInput();
    const form = h(
      'form',
      { id: 'client-form' },
      formErrorSlot(),
      h('div', { class: 'form-grid' }, field({ name: 'name', label: m(app, 'name'), required: true }, name), field({ name: 'service_provider', label: m(app, 'provider') }, provider)),
      h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button button--primary', id: 'client-create' }, m(app, 'create'))),
    );
    onSubmit(app, form, async () => {
      const body: Record<string, string> = { name: name.value };
      if (provider.value.trim()) body['service_provider'] = provider.value;
      const { data } = await apiFetch<Client>('POST', '/api/clients', { json: body });
      ctx.go(`clients/${data.id}`);
    });
    addPanel = panel({ id: 'client-add' }, m(app, 'add'), form);
  }
  replace(main, pageHeader(m(app, 'title')), h('div', { class: 'filters' }, search), list, addPanel);
  show();
};
