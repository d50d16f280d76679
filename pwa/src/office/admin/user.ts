/**
 * `#/office/users/<id>`: one account. Change name, role and client; deactivate or activate;
 * reset the password (the server makes a temporary one, shown once); unlock a locked sign-in;
 * the account's paired devices, each revocable.
 */

import { ApiError, apiFetch } from '../../data/api';
import { h, replace } from '../../ui/h';
import { dataTable, dateTime, emptyState, field, formErrorSlot, onSubmit, pageHeader, panel, savedNote, select, showErrors, statusChip, textInput } from '../kit';
import { roleLabel, ROLES } from '../labels';
import { defineMessages } from '../messages';
import { officeHref, type OfficeView } from '../registry';
import type { Client, ManagedUser } from '../types';
import { activeChip } from './users';

const m = defineMessages(
  {
    back: '返回用户列表',
    notFound: '没有这个用户。',
    account: '账号',
    name: '姓名（显示名）',
    role: '角色',
    client: '所属委托方',
    noClient: '（请选择）',
    save: '保存修改',
    access: '登录与停用',
    deactivate: '停用账号',
    activate: '重新启用',
    deactivateAsk: '停用后此人无法登录，其会话立即结束、已配对设备全部撤销（重新启用也不会恢复）。确定停用？',
    deactivated: '账号已停用。',
    activated: '账号已启用。',
    reset: '重置密码',
    resetAsk: '将生成新的临时密码，此人的会话结束、已配对设备全部撤销。确定重置？',
    resetDone: '新的临时密码（只显示这一次，请当面或电话告知本人）：',
    unlock: '解除登录锁定',
    unlocked: '已解除登录锁定。',
    devices: '已配对的设备',
    noDevices: '此账号没有配对过设备。',
    device: '设备名称',
    paired: '配对时间',
    lastSeen: '最近使用',
    status: '状态',
    inUse: '使用中',
    revoked: '已撤销',
    revoke: '撤销',
    revokeAsk: '撤销后该设备无法再同步（设备上未发送的记录会保留，重新配对后发送）。确定撤销“{name}”？',
    self: '这是你自己的账号：不能在这里停用或重置密码（请在“设置”中修改自己的密码）。',
  },
  {
    back: 'Back to the users',
    notFound: 'No such user.',
    account: 'Account',
    name: 'Name (as shown)',
    role: 'Role',
    client: 'Client',
    noClient: '(choose)',
    save: 'Save changes',
    access: 'Sign-in and deactivation',
    deactivate: 'Deactivate',
    activate: 'Activate again',
    deactivateAsk: 'The person can no longer sign in: their sessions end and every paired device is revoked at once (activating again brings neither back). Deactivate?',
    deactivated: 'The account is deactivated.',
    activated: 'The account is active.',
    reset: 'Reset the password',
    resetAsk: 'A new temporary password is made; the person’s sessions end and every paired device is revoked. Reset?',
    resetDone: 'The new temporary password (shown only now; tell the person directly):',
    unlock: 'Unlock sign-in',
    unlocked: 'Sign-in is unlocked.',
    devices: 'Paired devices',
    noDevices: 'This account has never paired a device.',
    device: 'Device',
    paired: 'Paired',
    lastSeen: 'Last used',
    status: 'Status',
    inUse: 'In use',
    revoked: 'Revoked',
    revoke: 'Revoke',
    revokeAsk: 'The device can no longer sync (records not yet sent stay on it and go after pairing again). Revoke “{name}”?',
    self: 'This is your own account: it cannot be deactivated or reset here (change your own password in Settings).',
  },
);

interface Device {
  id: string;
  name: string;
  user_id: string;
  created_at: string;
  last_seen_at: string | null;
  revoked_at: string | null;
}

export const userView: OfficeView = async (ctx, main) => {
  const { app } = ctx;
  const id = ctx.params['id'] ?? '';
  const [{ data: users }, { data: clients }, { data: allDevices }] = await Promise.all([
    apiFetch<ManagedUser[]>('GET', '/api/users'),
    apiFetch<Client[]>('GET', '/api/clients'),
    apiFetch<Device[]>('GET', '/api/devices'),
  ]);
  const user = users.find((u) => u.id === id);
  if (user === undefined) {
    replace(main, pageHeader(m(app, 'notFound')), h('a', { href: officeHref('users'), class: 'button' }, m(app, 'back')));
    return;
  }
  const self = user.id === ctx.me.id;

  // --- Account form (PATCH only what changed) ---
  const name = textInput({ value: user.display_name });
  const role = select(ROLES.map((r) => [r, roleLabel(app, r)] as const), { value: user.role, disabled: self });
  const client = select([['', m(app, 'noClient')], ...clients.map((c) => [c.id, c.name] as const)], { value: user.client_id ?? '' });
  const clientField = field({ name: 'client_id', label: m(app, 'client') }, client);
  const syncClient = (): void => {
    clientField.hidden = role.value !== 'client_user';
  };
  role.addEventListener('change', syncClient);
  syncClient();
  const saved = h('span', { id: 'user-saved' });
  const form = h(
    'form',
    { id: 'user-form' },
    formErrorSlot(),
    h(
      'div',
      { class: 'form-grid' },
      field({ name: 'display_name', label: m(app, 'name'), required: true }, name),
      field({ name: 'role', label: m(app, 'role') }, role),
      clientField,
    ),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button button--primary', id: 'user-save' }, m(app, 'save')), saved),
  );
  onSubmit(app, form, async () => {
    replace(saved);
    const changes: Record<string, unknown> = {};
    if (name.value.trim() !== user.display_name) changes['display_name'] = name.value.trim();
    if (role.value !== user.role) changes['role'] = role.value;
    const clientId = role.value === 'client_user' ? client.value || null : null;
    if (role.value === 'client_user' && clientId !== user.client_id) changes['client_id'] = clientId;
    if (Object.keys(changes).length === 0) return;
    const { data } = await apiFetch<ManagedUser>('PATCH', `/api/users/${user.id}`, { json: changes });
    Object.assign(user, data);
    replace(saved, savedNote(app));
  });

  // --- Access: deactivate / activate, reset, unlock ---
  const message = h('div', { id: 'user-access-message', role: 'status' });
  const access = h('div', { class: 'toolbar', id: 'user-access' });
  const act = async (run: () => Promise<void>): Promise<void> => {
    replace(message);
    try {
      await run();
    } catch (error) {
      showErrors(app, accessPanel, error);
    }
  };
  const renderAccess = (): void => {
    replace(
      access,
      h('span', { id: 'user-status' }, activeChip(app, user.is_active)),
      self
        ? null
        : h(
            'button',
            {
              type: 'button',
              class: user.is_active ? 'button button--danger' : 'button',
              id: user.is_active ? 'user-deactivate' : 'user-activate',
              onclick: () =>
                void act(async () => {
                  if (user.is_active && !window.confirm(m(app, 'deactivateAsk'))) return;
                  const { data } = await apiFetch<ManagedUser>('PATCH', `/api/users/${user.id}`, { json: { is_active: !user.is_active } });
                  Object.assign(user, data);
                  renderAccess();
                  replace(message, savedNote(app, m(app, user.is_active ? 'activated' : 'deactivated')));
                  await loadDevices();
                }),
            },
            m(app, user.is_active ? 'deactivate' : 'activate'),
          ),
      self || !user.is_active
        ? null
        : h(
            'button',
            {
              type: 'button',
              class: 'button',
              id: 'user-reset',
              onclick: () =>
                void act(async () => {
                  if (!window.confirm(m(app, 'resetAsk'))) return;
                  const { data } = await apiFetch<{ temporary_password: string }>('POST', `/api/users/${user.id}/password-reset`);
                  replace(
                    message,
                    h('p', { class: 'success' }, m(app, 'resetDone'), ' ', h('code', { id: 'temporary-password', class: 'secret' }, data.temporary_password)),
                  );
                  await loadDevices();
                }),
            },
            m(app, 'reset'),
          ),
      h(
        'button',
        {
          type: 'button',
          class: 'button',
          id: 'user-unlock',
          onclick: () =>
            void act(async () => {
              await apiFetch('POST', `/api/users/${user.id}/unlock`);
              replace(message, savedNote(app, m(app, 'unlocked')));
            }),
        },
        m(app, 'unlock'),
      ),
    );
  };
  const accessPanel = panel({ id: 'user-access-panel' }, m(app, 'access'), self ? h('p', { class: 'hint' }, m(app, 'self')) : null, formErrorSlot(), access, message);
  renderAccess();

  // --- Devices ---
  const devicesBox = h('div', { id: 'user-devices' });
  let devices = allDevices.filter((d) => d.user_id === user.id);
  async function loadDevices(): Promise<void> {
    const { data } = await apiFetch<Device[]>('GET', '/api/devices');
    devices = data.filter((d) => d.user_id === user?.id);
    renderDevices();
  }
  function renderDevices(): void {
    replace(
      devicesBox,
      devices.length === 0
        ? emptyState('user-devices', m(app, 'noDevices'))
        : dataTable({
            id: 'devices-table',
            rows: devices,
            rowId: (d) => d.id,
            rowProps: (d) => ({ 'data-revoked': String(d.revoked_at !== null) }),
            columns: [
              { key: 'name', label: m(app, 'device'), cell: (d) => d.name, class: 'wide' },
              { key: 'paired', label: m(app, 'paired'), cell: (d) => dateTime(app, d.created_at), class: 'nowrap' },
              { key: 'seen', label: m(app, 'lastSeen'), cell: (d) => dateTime(app, d.last_seen_at), class: 'nowrap' },
              {
                key: 'status',
                label: m(app, 'status'),
                cell: (d) => (d.revoked_at ? statusChip('revoked', m(app, 'revoked'), 'bad') : statusChip('active', m(app, 'inUse'), 'good')),
              },
              {
                key: 'actions',
                label: '',
                cell: (d) =>
                  d.revoked_at
                    ? null
                    : h(
                        'button',
                        {
                          type: 'button',
                          class: 'button button--small button--danger',
                          'data-revoke-device': d.id,
                          onclick: () => {
                            if (!window.confirm(m(app, 'revokeAsk', { name: d.name }))) return;
                            apiFetch('DELETE', `/api/devices/${d.id}`).then(loadDevices, (error: unknown) => {
                              replace(devicesBox, h('p', { class: 'error', role: 'alert' }, error instanceof ApiError ? error.message : String(error)));
                            });
                          },
                        },
                        m(app, 'revoke'),
                      ),
              },
            ],
          }),
    );
  }
  renderDevices();

  replace(
    main,
    pageHeader(user.display_name, h('a', { href: officeHref('users'), class: 'button' }, m(app, 'back'))),
    h('p', { class: 'muted', id: 'user-email' }, user.email),
    panel({ id: 'user-account' }, m(app, 'account'), form),
    accessPanel,
    panel({ id: 'user-devices-panel' }, m(app, 'devices'), devicesBox),
  );
};
