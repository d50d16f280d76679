/** `#/office/users`: the organisation's accounts; `#/office/users/new`: add one. */

import { apiFetch } from '../../data/api';
import { h, replace } from '../../ui/h';
import {
  emptyState,
  field,
  formErrorSlot,
  localPagedTable,
  onSubmit,
  pageHeader,
  select,
  statusChip,
  textInput,
  dateTime,
} from '../kit';
import { isRole, roleLabel, ROLES } from '../labels';
import { defineMessages } from '../messages';
import { officeHref, type OfficeView } from '../registry';
import type { Client, ManagedUser } from '../types';

export const m = defineMessages(
  {
    title: '用户',
    add: '添加用户',
    search: '查找姓名或邮箱',
    role: '角色',
    allRoles: '全部角色',
    showInactive: '显示已停用的账号',
    name: '姓名',
    email: '邮箱',
    status: '状态',
    created: '创建时间',
    active: '在用',
    inactive: '已停用',
    empty: '没有符合条件的用户。',
    newTitle: '添加用户',
    displayName: '姓名（显示名）',
    password: '初始密码',
    passwordHint: '至少 10 个字符，不能与邮箱相同。请当面或电话告知本人，并请其登录后在“设置”中修改。',
    generate: '生成临时密码',
    client: '所属委托方',
    clientHint: '委托方用户只能看到本单位的结果。',
    noClient: '（请选择）',
    create: '创建账号',
    cancel: '取消',
  },
  {
    title: 'Users',
    add: 'Add a user',
    search: 'Find a name or address',
    role: 'Role',
    allRoles: 'All roles',
    showInactive: 'Show deactivated accounts',
    name: 'Name',
    email: 'Email',
    status: 'Status',
    created: 'Created',
    active: 'Active',
    inactive: 'Deactivated',
    empty: 'No user matches.',
    newTitle: 'Add a user',
    displayName: 'Name (as shown)',
    password: 'Initial password',
    passwordHint: 'At least 10 characters, not the email address. Tell the person directly and ask them to change it in Settings after signing in.',
    generate: 'Make a temporary password',
    client: 'Client',
    clientHint: 'Client users see only their own organisation’s results.',
    noClient: '(choose)',
    create: 'Create the account',
    cancel: 'Cancel',
  },
);

export function roleName(app: Parameters<typeof roleLabel>[0], role: string): string {
  return isRole(role) ? roleLabel(app, role) : role;
}

export function activeChip(app: Parameters<typeof m>[0], active: boolean): HTMLElement {
  return active ? statusChip('active', m(app, 'active'), 'good') : statusChip('inactive', m(app, 'inactive'), 'bad');
}

export const usersView: OfficeView = async (ctx, main) => {
  const { app } = ctx;
  const { data: users } = await apiFetch<ManagedUser[]>('GET', '/api/users');
  const search = h('input', { type: 'search', class: 'input', id: 'users-search', placeholder: m(app, 'search') });
  const roleFilter = select([['', m(app, 'allRoles')], ...ROLES.map((r) => [r, roleLabel(app, r)] as const)], { id: 'users-role' });
  const inactive = h('input', { type: 'checkbox', id: 'users-inactive' });
  const list = h('div', { id: 'users-list' });
  const show = (): void => {
    const needle = search.value.trim().toLowerCase();
    const rows = users.filter(
      (u) =>
        (inactive.checked || u.is_active) &&
        (roleFilter.value === '' || u.role === roleFilter.value) &&
        (needle === '' || u.display_name.toLowerCase().includes(needle) || u.email.includes(needle)),
    );
    replace(
      list,
      localPagedTable(app, {
        id: 'users-table',
        rows,
        rowId: (u) => u.id,
        rowProps: (u) => ({ 'data-role': u.role, 'data-active': String(u.is_active) }),
        empty: emptyState('users', m(app, 'empty')),
        columns: [
          { key: 'name', label: m(app, 'name'), cell: (u) => h('a', { class: 'link', href: officeHref('users', u.id) }, u.display_name), class: 'wide' },
          { key: 'email', label: m(app, 'email'), cell: (u) => u.email },
          { key: 'role', label: m(app, 'role'), cell: (u) => roleName(app, u.role), class: 'nowrap' },
          { key: 'status', label: m(app, 'status'), cell: (u) => activeChip(app, u.is_active) },
          { key: 'created', label: m(app, 'created'), cell: (u) => dateTime(app, u.created_at), class: 'nowrap' },
        ],
      }),
    );
  };
  search.addEventListener('input', show);
  roleFilter.addEventListener('change', show);
  inactive.addEventListener('change', show);
  replace(
    main,
    pageHeader(m(app, 'title'), h('a', { class: 'button button--primary', href: officeHref('users/new'), id: 'users-add' }, m(app, 'add'))),
    h(
      'div',
      { class: 'filters' },
      h('div', { class: 'field' }, h('label', { for: 'users-search' }, m(app, 'search')), search),
      h('div', { class: 'field' }, h('label', { for: 'users-role' }, m(app, 'role')), roleFilter),
      h('label', { class: 'check' }, inactive, ' ', m(app, 'showInactive')),
    ),
    list,
  );
  show();
};

/** A password to read aloud: three groups of five unambiguous characters (as the server's). */
export function temporaryPassword(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = new Uint32Array(15);
  crypto.getRandomValues(bytes);
  const chars = [...bytes].map((b) => alphabet[b % alphabet.length] ?? 'x');
  return [chars.slice(0, 5), chars.slice(5, 10), chars.slice(10)].map((g) => g.join('')).join('-');
}

export const newUserView: OfficeView = async (ctx, main) => {
  const { app } = ctx;
  const { data: clients } = await apiFetch<Client[]>('GET', '/api/clients');
  const email = textInput({ type: 'email', autocomplete: 'off' });
  const name = textInput();
  const role = select(ROLES.map((r) => [r, roleLabel(app, r)] as const), { value: 'auditor' });
  const password = textInput({ autocomplete: 'new-password', spellcheck: 'false' });
  const client = select([['', m(app, 'noClient')], ...clients.map((c) => [c.id, c.name] as const)]);
  const clientField = field({ name: 'client_id', label: m(app, 'client'), hint: m(app, 'clientHint') }, client);
  const syncClient = (): void => {
    clientField.hidden = role.value !== 'client_user';
  };
  role.addEventListener('change', syncClient);
  syncClient();
  const form = h(
    'form',
    { id: 'user-form', class: 'panel' },
    formErrorSlot(),
    h(
      'div',
      { class: 'form-grid' },
      field({ name: 'email', label: m(app, 'email'), required: true }, email),
      field({ name: 'display_name', label: m(app, 'displayName'), required: true }, name),
      field({ name: 'role', label: m(app, 'role'), required: true }, role),
      clientField,
      h(
        'div',
        { class: 'field--full' },
        field({ name: 'password', label: m(app, 'password'), hint: m(app, 'passwordHint'), required: true }, password),
        h('button', { type: 'button', class: 'button button--small', id: 'user-generate', onclick: () => (password.value = temporaryPassword()) }, m(app, 'generate')),
      ),
    ),
    h(
      'div',
      { class: 'form-actions' },
      h('button', { type: 'submit', class: 'button button--primary', id: 'user-create' }, m(app, 'create')),
      h('a', { class: 'button', href: officeHref('users') }, m(app, 'cancel')),
    ),
  );
  onSubmit(app, form, async () => {
    const body: Record<string, unknown> = { email: email.value, display_name: name.value, role: role.value, password: password.value };
    if (role.value === 'client_user') body['client_id'] = client.value === '' ? null : client.value;
    const { data } = await apiFetch<ManagedUser>('POST', '/api/users', { json: body });
    ctx.go(`users/${data.id}`);
  });
  replace(main, pageHeader(m(app, 'newTitle')), form);
};
