/**
 * `#/office/clients/<id>`: a client, its certification units (认证单元) and each unit's service
 * sites with their positions and geofences. Editors change the client, add and change units,
 * and add sites (the site screen enters positions).
 */

import { apiFetch } from '../../data/api';
import { h, replace } from '../../ui/h';
import { dataTable, emptyState, field, formErrorSlot, onSubmit, pageHeader, panel, savedNote, textArea, textInput } from '../kit';
import { defineMessages } from '../messages';
import { officeHref, type OfficeContext, type OfficeView } from '../registry';
import type { Client, Site, Unit } from '../types';
import { EDITORS } from './clients';
import { datumLabel, formatPoint } from './geo';

const m = defineMessages(
  {
    back: '返回委托方列表',
    details: '委托方信息',
    name: '委托方名称',
    provider: '服务提供者',
    save: '保存',
    units: '认证单元',
    noUnits: '还没有认证单元。',
    unitName: '认证单元名称',
    scope: '认证范围',
    addUnit: '添加认证单元',
    editUnit: '修改认证单元',
    sites: '服务场所',
    noSites: '这个认证单元还没有服务场所。',
    addSite: '添加服务场所',
    site: '场所',
    address: '地址',
    position: '位置（WGS-84）',
    entered: '录入时',
    radius: '地理围栏半径',
    metres: '{n} 米',
  },
  {
    back: 'Back to the clients',
    details: 'Client',
    name: 'Client',
    provider: 'Service provider',
    save: 'Save',
    units: 'Certification units',
    noUnits: 'No certification unit yet.',
    unitName: 'Unit name',
    scope: 'Scope',
    addUnit: 'Add a unit',
    editUnit: 'Change the unit',
    sites: 'Service sites',
    noSites: 'This unit has no site yet.',
    addSite: 'Add a site',
    site: 'Site',
    address: 'Address',
    position: 'Position (WGS-84)',
    entered: 'As entered',
    radius: 'Geofence radius',
    metres: '{n} m',
  },
);

function unitForm(ctx: OfficeContext, unit: Unit | null, clientId: string, done: () => void): HTMLFormElement {
  const { app } = ctx;
  const name = textInput({ value: unit?.name ?? '' });
  const scope = textArea({ value: unit?.scope ?? '', rows: 2 });
  const note = h('span');
  const form = h(
    'form',
    { class: 'unit-form', 'data-unit-form': unit?.id ?? 'new' },
    formErrorSlot(),
    h('div', { class: 'form-grid' }, field({ name: 'name', label: m(app, 'unitName'), required: true }, name), field({ name: 'scope', label: m(app, 'scope') }, scope)),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button button--primary' }, unit ? m(app, 'save') : m(app, 'addUnit')), note),
  );
  onSubmit(app, form, async () => {
    if (unit) {
      const changes: Record<string, string | null> = {};
      if (name.value.trim() !== unit.name) changes['name'] = name.value;
      if (scope.value.trim() !== (unit.scope ?? '')) changes['scope'] = scope.value.trim() || null;
      if (Object.keys(changes).length) await apiFetch('PATCH', `/api/units/${unit.id}`, { json: changes });
      replace(note, savedNote(app));
    } else {
      const body: Record<string, string> = { name: name.value };
      if (scope.value.trim()) body['scope'] = scope.value;
      await apiFetch('POST', `/api/clients/${clientId}/units`, { json: body });
    }
    done();
  });
  return form;
}

export const clientView: OfficeView = async (ctx, main) => {
  const { app } = ctx;
  const id = ctx.params['id'] ?? '';
  const editor = EDITORS.includes(ctx.me.role);
  const [{ data: client }, { data: units }] = await Promise.all([
    apiFetch<Client>('GET', `/api/clients/${id}`),
    apiFetch<Unit[]>('GET', `/api/clients/${id}/units`),
  ]);
  const sites = await Promise.all(units.map((u) => apiFetch<Site[]>('GET', `/api/units/${u.id}/sites`).then((r) => r.data)));
  const refresh = (): void => app.refresh();

  const colon = app.i18n.locale === 'en' ? ': ' : '：';
  let details: HTMLElement;
  if (editor) {
    const name = textInput({ value: client.name });
    const provider = textInput({ value: client.service_provider ?? '' });
    const note = h('span', { id: 'client-saved' });
    const form = h(
      'form',
      { id: 'client-form' },
      formErrorSlot(),
      h('div', { class: 'form-grid' }, field({ name: 'name', label: m(app, 'name'), required: true }, name), field({ name: 'service_provider', label: m(app, 'provider') }, provider)),
      h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button button--primary', id: 'client-save' }, m(app, 'save')), note),
    );
    onSubmit(app, form, async () => {
      const changes: Record<string, string | null> = {};
      if (name.value.trim() !== client.name) changes['name'] = name.value;
      if (provider.value.trim() !== (client.service_provider ?? '')) changes['service_provider'] = provider.value.trim() || null;
      if (Object.keys(changes).length) Object.assign(client, (await apiFetch<Client>('PATCH', `/api/clients/${id}`, { json: changes })).data);
      replace(note, savedNote(app));
    });
    details = panel({ id: 'client-details' }, m(app, 'details'), form);
  } else {
    details = panel(
      { id: 'client-details' },
      m(app, 'details'),
      h('p', null, `${m(app, 'name')}${colon}`, h('strong', null, client.name)),
      client.service_provider ? h('p', null, `${m(app, 'provider')}${colon}${client.service_provider}`) : null,
    );
  }

  const unitPanels = units.map((unit, index) =>
    panel(
      { 'data-unit-id': unit.id },
      `${m(app, 'units')} · ${unit.name}`,
      unit.scope ? h('p', { class: 'muted' }, unit.scope) : null,
      h('h4', null, m(app, 'sites')),
      (sites[index] ?? []).length === 0
        ? emptyState(`sites-${unit.id}`, m(app, 'noSites'))
        : dataTable({
            id: `sites-${unit.id}`,
            rows: sites[index] ?? [],
            rowId: (s) => s.id,
            columns: [
              { key: 'name', label: m(app, 'site'), cell: (s) => h('a', { class: 'link', href: officeHref('sites', s.id) }, s.name), class: 'wide' },
              { key: 'address', label: m(app, 'address'), cell: (s) => s.address, class: 'wide' },
              { key: 'position', label: m(app, 'position'), cell: (s) => formatPoint(s.location), class: 'nowrap' },
              { key: 'entered', label: m(app, 'entered'), cell: (s) => (s.entered_location ? datumLabel(app, s.entered_location.datum) : ''), class: 'nowrap' },
              { key: 'radius', label: m(app, 'radius'), cell: (s) => m(app, 'metres', { n: s.geofence_radius_m }), class: 'num' },
            ],
          }),
      editor
        ? h(
            'div',
            { class: 'toolbar' },
            h('a', { class: 'button button--small button--primary', href: officeHref('sites/new', unit.id), 'data-add-site': unit.id }, m(app, 'addSite')),
          )
        : null,
      editor ? h('details', { class: 'unit-edit' }, h('summary', null, m(app, 'editUnit')), unitForm(ctx, unit, id, refresh)) : null,
    ),
  );

  replace(
    main,
    pageHeader(client.name, ctx.me.role === 'client_user' ? null : h('a', { class: 'button', href: officeHref('clients') }, m(app, 'back'))),
    details,
    h('h3', null, m(app, 'units')),
    units.length === 0 ? emptyState('units', m(app, 'noUnits')) : unitPanels,
    editor ? panel({ id: 'unit-add' }, m(app, 'addUnit'), unitForm(ctx, null, id, refresh)) : null,
  );
};
