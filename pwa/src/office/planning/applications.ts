/**
 * Applications (CQC rule §4.2): the list, registering a client with its unit and sites, and
 * recording a new application. The team leader's planning starts here.
 */

import { apiFetch } from '../../data/api';
import { errorText } from '../../ui/app';
import { h, replace } from '../../ui/h';
import {
  emptyState,
  field,
  formErrorSlot,
  localPagedTable,
  onSubmit,
  pageHeader,
  panel,
  select,
  statusChip,
  textArea,
  textInput,
} from '../kit';
import { engagementKindLabel } from '../labels';
import { defineMessages } from '../messages';
import { officeHref, type OfficeView } from '../registry';
import type { Client, SchemeVersion, Site, Unit } from '../types';
import { chinaDate, type Application } from './api';
import { applicationStatusLabel, docTypeLabel, known } from './labels';

const m = defineMessages(
  {
    title: '认证申请',
    newApplication: '登记申请',
    newClient: '登记委托方',
    none: '还没有认证申请：先登记委托方，再登记它的申请。',
    client: '委托方',
    scheme: '认证方案',
    kind: '认证类型',
    received: '收到日期',
    status: '状态',
    missing: '待补材料',
    complete: '齐全',
    engagement: '认证项目',
    open: '打开',
    units: '申请的认证单元',
    unitsHint: '§4.1：同一服务提供者提供的不同平台服务划分为不同单元。',
    note: '备注',
    save: '登记',
    clientName: '委托方名称',
    provider: '服务提供者（与委托方不同时填写）',
    unitName: '认证单元名称',
    unitScope: '认证范围',
    site: '服务场所 {n}',
    siteName: '场所名称',
    address: '地址',
    latitude: '纬度',
    longitude: '经度',
    datum: '坐标系',
    paste: '粘贴坐标或地图链接',
    pastePlaceholder: '如 28.682,115.858 或高德、百度、腾讯地图链接',
    pasted: '已读取：{datum}，与 WGS-84 相差约 {offset} 米',
    wgs84: 'WGS-84（GPS 实测）',
    gcj02: 'GCJ-02（高德、腾讯地图）',
    bd09: 'BD-09（百度地图）',
    noClients: '还没有委托方：请先登记委托方。',
    noUnits: '这个委托方还没有认证单元。',
  },
  {
    title: 'Applications',
    newApplication: 'Record an application',
    newClient: 'Register a client',
    none: 'No application yet: register the client first, then its application.',
    client: 'Client',
    scheme: 'Scheme',
    kind: 'Kind',
    received: 'Received',
    status: 'Status',
    missing: 'Documents missing',
    complete: 'Complete',
    engagement: 'Engagement',
    open: 'Open',
    units: 'Certification units applied for',
    unitsHint: '§4.1: each platform service of a provider is its own unit.',
    note: 'Note',
    save: 'Record',
    clientName: 'Client name',
    provider: 'Service provider (when not the client)',
    unitName: 'Certification unit',
    unitScope: 'Scope',
    site: 'Service site {n}',
    siteName: 'Site name',
    address: 'Address',
    latitude: 'Latitude',
    longitude: 'Longitude',
    datum: 'Coordinate system',
    paste: 'Paste coordinates or a map link',
    pastePlaceholder: 'e.g. 28.682,115.858 or an Amap, Baidu or Tencent link',
    pasted: 'Read: {datum}, about {offset} m from WGS-84',
    wgs84: 'WGS-84 (measured by GPS)',
    gcj02: 'GCJ-02 (Amap, Tencent maps)',
    bd09: 'BD-09 (Baidu maps)',
    noClients: 'No client yet: register one first.',
    noUnits: 'This client has no certification unit yet.',
  },
);

const kindOf = known(engagementKindLabel, ['initial', 'surveillance', 'recertification']);
const statusOf = known(applicationStatusLabel, ['submitted', 'accepted', 'not_accepted']);
const TONE: Record<string, 'info' | 'good' | 'bad'> = { submitted: 'info', accepted: 'good', not_accepted: 'bad' };

export const applicationsView: OfficeView = async (ctx, main) => {
  const { app } = ctx;
  const { data } = await apiFetch<Application[]>('GET', '/api/applications');
  replace(
    main,
    pageHeader(
      m(app, 'title'),
      h('a', { href: officeHref('applications/client'), class: 'button button--small', 'data-action': 'new-client' }, m(app, 'newClient')),
      h('a', { href: officeHref('engagements/new'), class: 'button button--primary button--small', 'data-action': 'new-application' }, m(app, 'newApplication')),
    ),
    localPagedTable(app, {
      id: 'applications-table',
      rows: data,
      rowId: (a) => a.id,
      empty: emptyState('applications', m(app, 'none')),
      columns: [
        { key: 'client', label: m(app, 'client'), cell: (a) => h('a', { href: officeHref('applications', a.id), class: 'link' }, a.client.name), class: 'wide' },
        { key: 'scheme', label: m(app, 'scheme'), cell: (a) => `${a.scheme_version.scheme_id} ${a.scheme_version.version}` },
        { key: 'kind', label: m(app, 'kind'), cell: (a) => kindOf(app, a.kind) },
        { key: 'received', label: m(app, 'received'), cell: (a) => a.received_on, class: 'nowrap' },
        { key: 'status', label: m(app, 'status'), cell: (a) => statusChip(a.status, statusOf(app, a.status), TONE[a.status] ?? 'neutral') },
        {
          key: 'missing',
          label: m(app, 'missing'),
          cell: (a) => (a.missing_documents.length ? a.missing_documents.map((d) => docTypeLabel(app, d as 'other')).join('、') : m(app, 'complete')),
        },
        {
          key: 'engagement',
          label: m(app, 'engagement'),
          cell: (a) => (a.engagement_id ? h('a', { href: officeHref('engagements', a.engagement_id), class: 'link' }, m(app, 'open')) : ''),
        },
      ],
    }),
  );
};

/** Register a client with one certification unit and its service sites (two rows to start). */
/** POST /api/sites/locate (backend/clients/positions.py), the part this form reads. */
interface Located {
  entered: { latitude: number; longitude: number; datum: string };
  offset_m: number;
}

export const newClientView: OfficeView = (ctx, main) => {
  const { app } = ctx;
  const siteRows = [1, 2].map((n) => {
    const p = `sites.${n - 1}`;
    const lat = textInput({ inputmode: 'decimal' });
    const lng = textInput({ inputmode: 'decimal' });
    const datum = select([
      ['gcj02', m(app, 'gcj02')],
      ['wgs84', m(app, 'wgs84')],
      ['bd09', m(app, 'bd09')],
    ]);
    // A position pasted as copied from a map app: coordinates in the chosen datum, or an Amap /
    // Baidu / Tencent link (its own datum). The server reads it (POST /api/sites/locate, the
    // site screen's reader) and the fields below take what it read.
    const paste = textInput({ 'data-paste-site': n, placeholder: m(app, 'pastePlaceholder') });
    const result = h('p', { class: 'hint', 'data-paste-result': n, hidden: true });
    const read = (): void => {
      if (!paste.value.trim()) return;
      apiFetch<Located>('POST', '/api/sites/locate', { json: { text: paste.value, datum: datum.value } }).then(
        ({ data }) => {
          lat.value = String(data.entered.latitude);
          lng.value = String(data.entered.longitude);
          datum.value = data.entered.datum;
          result.dataset['datum'] = data.entered.datum;
          result.dataset['offsetM'] = String(Math.round(data.offset_m));
          delete result.dataset['error'];
          result.textContent = m(app, 'pasted', { datum: m(app, data.entered.datum as 'gcj02'), offset: Math.round(data.offset_m) });
          result.hidden = false;
        },
        (error: unknown) => {
          result.dataset['error'] = '';
          result.textContent = errorText(error);
          result.hidden = false;
        },
      );
    };
    paste.addEventListener('paste', () => setTimeout(read, 0));
    paste.addEventListener('change', read);
    paste.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') {
        event.preventDefault();
        read();
      }
    });
    return h(
      'fieldset',
      { class: 'fieldset', 'data-site-row': n },
      h('legend', null, m(app, 'site', { n })),
      field({ name: `${p}.name`, label: m(app, 'siteName') }, textInput()),
      field({ name: `${p}.address`, label: m(app, 'address') }, textInput()),
      field({ name: `${p}.paste`, label: m(app, 'paste') }, paste),
      result,
      field({ name: `${p}.location.latitude`, label: m(app, 'latitude') }, lat),
      field({ name: `${p}.location.longitude`, label: m(app, 'longitude') }, lng),
      field({ name: `${p}.location.datum`, label: m(app, 'datum') }, datum),
    );
  });
  const form = h(
    'form',
    { class: 'form', id: 'client-form' },
    formErrorSlot(),
    field({ name: 'name', label: m(app, 'clientName'), required: true }, textInput()),
    field({ name: 'service_provider', label: m(app, 'provider') }, textInput()),
    field({ name: 'unit.name', label: m(app, 'unitName'), required: true }, textInput()),
    field({ name: 'unit.scope', label: m(app, 'unitScope') }, textArea({ rows: 2 })),
    siteRows,
    h('div', { class: 'toolbar' }, h('button', { type: 'submit', class: 'button button--primary' }, m(app, 'save'))),
  );
  const value = (name: string): string => (form.querySelector<HTMLInputElement>(`[name="${CSS.escape(name)}"]`)?.value ?? '').trim();
  onSubmit(app, form, async () => {
    const provider = value('service_provider');
    // The client first, then its unit, then the sites: each answer's errors land on its fields
    // (the unit's and sites' paths are prefixed here so the form shows them where they belong).
    const { data: client } = await apiFetch<Client>('POST', '/api/clients', {
      json: { name: value('name'), ...(provider ? { service_provider: provider } : {}) },
    });
    const { data: unit } = await prefixed('unit', apiFetch<Unit>('POST', `/api/clients/${client.id}/units`, {
      json: { name: value('unit.name'), ...(value('unit.scope') ? { scope: value('unit.scope') } : {}) },
    }));
    for (const i of [0, 1]) {
      const name = value(`sites.${i}.name`);
      if (!name) continue;
      await prefixed(
        `sites.${i}`,
        apiFetch<Site>('POST', `/api/units/${unit.id}/sites`, {
          json: {
            name,
            address: value(`sites.${i}.address`),
            location: {
              latitude: Number(value(`sites.${i}.location.latitude`)),
              longitude: Number(value(`sites.${i}.location.longitude`)),
              datum: value(`sites.${i}.location.datum`),
            },
          },
        }),
      );
    }
    ctx.go(`applications/new/${client.id}`);
  });
  replace(main, pageHeader(m(app, 'newClient')), panel({}, m(app, 'newClient'), form));
};

/** Re-throw an API error with its field paths under `prefix` (`name` → `unit.name`). */
async function prefixed<T>(prefix: string, call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    const e = error as { details?: unknown };
    if (e && typeof e === 'object' && e.details && typeof e.details === 'object') {
      e.details = Object.fromEntries(Object.entries(e.details as Record<string, unknown>).map(([k, v]) => [`${prefix}.${k}`, v]));
    }
    throw error;
  }
}

/** Record an application: client, units, scheme, kind, the day it arrived. */
export const newApplicationView: OfficeView = async (ctx, main) => {
  const { app } = ctx;
  const [{ data: clients }, { data: schemes }] = await Promise.all([
    apiFetch<Client[]>('GET', '/api/clients'),
    apiFetch<SchemeVersion[]>('GET', '/api/schemes'),
  ]);
  if (clients.length === 0) {
    replace(
      main,
      pageHeader(m(app, 'newApplication')),
      emptyState('application-clients', m(app, 'noClients'), h('a', { href: officeHref('applications/client'), class: 'button button--primary' }, m(app, 'newClient'))),
    );
    return;
  }
  const wanted = ctx.params['client'];
  const clientSelect = select(
    clients.map((c) => [c.id, c.name] as const),
    { value: wanted ?? clients[clients.length - 1]?.id },
  );
  const unitsBox = h('div', { class: 'checks', id: 'application-units' });
  const showUnits = async (): Promise<void> => {
    const { data: units } = await apiFetch<Unit[]>('GET', `/api/clients/${clientSelect.value}/units`);
    replace(
      unitsBox,
      units.length
        ? units.map((u, i) =>
            h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'unit_ids', value: u.id, checked: i === 0 }), ` ${u.name}`),
          )
        : h('p', { class: 'hint' }, m(app, 'noUnits')),
    );
  };
  clientSelect.addEventListener('change', () => void showUnits());
  await showUnits();
  const form = h(
    'form',
    { class: 'form', id: 'application-form' },
    formErrorSlot(),
    field({ name: 'client_id', label: m(app, 'client'), required: true }, clientSelect),
    h('div', { class: 'field', 'data-field': 'unit_ids' }, h('p', { class: 'field__label' }, m(app, 'units')), unitsBox, h('p', { class: 'hint' }, m(app, 'unitsHint')), h('p', { class: 'field__error', 'data-field-error': '', hidden: true })),
    field(
      { name: 'scheme_version_id', label: m(app, 'scheme'), required: true },
      select(schemes.map((s) => [s.id, `${app.text(s.title)}（${s.scheme_id} ${s.version}）`] as const)),
    ),
    field(
      { name: 'kind', label: m(app, 'kind') },
      select((['initial', 'surveillance', 'recertification'] as const).map((k) => [k, engagementKindLabel(app, k)] as const)),
    ),
    field({ name: 'received_on', label: m(app, 'received') }, textInput({ type: 'date', value: chinaDate(new Date()) })),
    field({ name: 'note', label: m(app, 'note') }, textArea({ rows: 2 })),
    h('div', { class: 'toolbar' }, h('button', { type: 'submit', class: 'button button--primary' }, m(app, 'save'))),
  );
  onSubmit(app, form, async () => {
    const get = (name: string): string => form.querySelector<HTMLInputElement>(`[name="${name}"]`)?.value ?? '';
    const unitIds = [...form.querySelectorAll<HTMLInputElement>('input[name=unit_ids]:checked')].map((i) => i.value);
    const { data } = await apiFetch<Application>('POST', '/api/applications', {
      json: {
        client_id: get('client_id'),
        unit_ids: unitIds,
        scheme_version_id: get('scheme_version_id'),
        kind: get('kind'),
        received_on: get('received_on'),
        note: get('note'),
      },
    });
    ctx.go(`applications/${data.id}`);
  });
  replace(main, pageHeader(m(app, 'newApplication')), panel({}, m(app, 'newApplication'), form));
};
