/**
 * `#/office/sites/new/<unit>` and `#/office/sites/<id>`: a service site, its position and its
 * geofence. The position is entered in the datum the person has it in (WGS-84 from a GPS,
 * GCJ-02 from Amap or Tencent, BD-09 from Baidu), typed or pasted (coordinates in either order,
 * degrees-minutes-seconds, or a map link, which names its own datum). The server reads and
 * converts it (POST /api/sites/locate, backend/clients/positions.py) and the screen shows the
 * point in every datum and how far it moved: stored is WGS-84, what the phones' GPS reports.
 */

import { ApiError, apiFetch } from '../../data/api';
import { h, replace } from '../../ui/h';
import { dataTable, field, flattenDetails, formErrorSlot, localiseMessage, onSubmit, pageHeader, panel, savedNote, textInput } from '../kit';
import { defineMessages } from '../messages';
import { officeHref, type OfficeContext, type OfficeView } from '../registry';
import type { Site, Unit } from '../types';
import { EDITORS } from './clients';
import { DATUMS, datumLabel, formatPoint } from './geo';

const m = defineMessages(
  {
    newTitle: '添加服务场所',
    back: '返回委托方',
    basics: '场所',
    name: '场所名称',
    address: '地址',
    location: '位置',
    paste: '粘贴坐标或地图链接',
    pasteHint: '可粘贴“纬度, 经度”、度分秒、或高德 / 百度 / 腾讯地图“分享”得到的链接（链接自带坐标系）。',
    read: '读取',
    datum: '坐标系',
    latitude: '纬度',
    longitude: '经度',
    preview: '换算结果',
    system: '坐标系',
    point: '纬度, 经度',
    entered: '录入',
    stored: '保存（WGS-84，与手机 GPS 比对）',
    gcj: 'GCJ-02（高德、腾讯）',
    bd: 'BD-09（百度）',
    offset: '按 WGS-84 理解，录入的数字与实际位置相差 {n} 米：坐标系选错，地理围栏就会偏这么远。',
    sameDatum: '录入的就是 WGS-84，无需换算。',
    outside: '这个位置在中国境外：GCJ-02 与 WGS-84 相同。',
    source: '读自：{source}',
    'source.amap': '高德地图链接（GCJ-02）',
    'source.baidu': '百度地图链接',
    'source.tencent': '腾讯地图链接（GCJ-02）',
    'source.geo': 'geo: 链接（WGS-84）',
    'source.coordinates': '粘贴的坐标',
    'source.typed': '输入的坐标',
    swapped: '按“经度, 纬度”的顺序读取（第一个数只能是经度）。',
    radius: '地理围栏半径（米）',
    radiusHint: '10–5000 米，默认 150 米。到场签到的定位在此范围外会被标记。',
    save: '保存',
    create: '添加场所',
    noUnit: '没有这个认证单元。',
    readOnly: '只有管理员和审查组长可以修改场所。',
  },
  {
    newTitle: 'Add a site',
    back: 'Back to the client',
    basics: 'Site',
    name: 'Site name',
    address: 'Address',
    location: 'Position',
    paste: 'Paste coordinates or a map link',
    pasteHint: 'Paste “latitude, longitude”, degrees-minutes-seconds, or a link shared from Amap, Baidu or Tencent Maps (a link says its own datum).',
    read: 'Read',
    datum: 'Datum',
    latitude: 'Latitude',
    longitude: 'Longitude',
    preview: 'Converted',
    system: 'Datum',
    point: 'Latitude, longitude',
    entered: 'Entered',
    stored: 'Stored (WGS-84, compared with phone GPS)',
    gcj: 'GCJ-02 (Amap, Tencent)',
    bd: 'BD-09 (Baidu)',
    offset: 'Read as WGS-84, the entered numbers are {n} m from the real place: with the wrong datum the geofence moves that far.',
    sameDatum: 'Entered in WGS-84: nothing to convert.',
    outside: 'Outside China: GCJ-02 equals WGS-84 here.',
    source: 'Read from: {source}',
    'source.amap': 'an Amap link (GCJ-02)',
    'source.baidu': 'a Baidu Maps link',
    'source.tencent': 'a Tencent Maps link (GCJ-02)',
    'source.geo': 'a geo: link (WGS-84)',
    'source.coordinates': 'pasted coordinates',
    'source.typed': 'typed coordinates',
    swapped: 'Read as “longitude, latitude” (the first number can only be a longitude).',
    radius: 'Geofence radius (m)',
    radiusHint: '10–5000 m, 150 m by default. Check-in positions beyond it are flagged.',
    save: 'Save',
    create: 'Add the site',
    noUnit: 'No such certification unit.',
    readOnly: 'Only administrators and team leaders change sites.',
  },
);

interface Located {
  source: string;
  order: string;
  entered: { latitude: number; longitude: number; datum: string };
  wgs84: { latitude: number; longitude: number };
  gcj02: { latitude: number; longitude: number };
  bd09: { latitude: number; longitude: number };
  offset_m: number;
  out_of_china: boolean;
}

function siteForm(ctx: OfficeContext, site: Site | null, unit: Unit): HTMLElement {
  const { app } = ctx;
  const start = site?.entered_location ?? site?.location ?? null;
  const name = textInput({ value: site?.name ?? '' });
  const address = textInput({ value: site?.address ?? '' });
  const paste = textInput({ id: 'location-paste', placeholder: '28.716950, 115.960260 / https://uri.amap.com/marker?position=…' });
  const datum = h(
    'div',
    { class: 'datum-choice', role: 'radiogroup', id: 'location-datum' },
    DATUMS.map((d) =>
      h('label', { class: 'check' }, h('input', { type: 'radio', name: 'datum', value: d, 'data-datum': d, checked: (start?.datum ?? 'wgs84') === d }), ' ', datumLabel(app, d)),
    ),
  );
  const chosenDatum = (): string => datum.querySelector<HTMLInputElement>('input:checked')?.value ?? 'wgs84';
  const lat = textInput({ type: 'text', inputmode: 'decimal', id: 'location-latitude', value: start ? String(start.latitude) : '' });
  const lng = textInput({ type: 'text', inputmode: 'decimal', id: 'location-longitude', value: start ? String(start.longitude) : '' });
  const radius = textInput({ type: 'number', min: 10, max: 5000, step: 10, value: String(site?.geofence_radius_m ?? 150) });
  const preview = h('div', { id: 'location-preview', 'aria-live': 'polite' });
  const pasteField = field({ name: 'text', label: m(app, 'paste'), hint: m(app, 'pasteHint') }, paste);
  const locationBox = h(
    'fieldset',
    { class: 'panel location', 'data-field': 'location' },
    h('legend', null, m(app, 'location')),
    h('div', { class: 'toolbar paste-row' }, pasteField, h('button', { type: 'button', class: 'button', id: 'location-read' }, m(app, 'read'))),
    h('p', { class: 'field-label' }, m(app, 'datum')),
    datum,
    h(
      'div',
      { class: 'form-grid' },
      field({ name: 'location.latitude', label: m(app, 'latitude'), required: true }, lat),
      field({ name: 'location.longitude', label: m(app, 'longitude'), required: true }, lng),
    ),
    h('p', { class: 'field__error', 'data-field-error': '', hidden: true, id: 'location-error', role: 'alert' }),
    preview,
  );

  let asked = 0;
  const show = (located: Located): void => {
    lat.value = String(located.entered.latitude);
    lng.value = String(located.entered.longitude);
    const radio = datum.querySelector<HTMLInputElement>(`input[value="${located.entered.datum}"]`);
    if (radio) radio.checked = true;
    const rows = [
      { id: 'entered', label: `${m(app, 'entered')} · ${datumLabel(app, located.entered.datum)}`, point: located.entered },
      { id: 'wgs84', label: m(app, 'stored'), point: located.wgs84 },
      { id: 'gcj02', label: m(app, 'gcj'), point: located.gcj02 },
      { id: 'bd09', label: m(app, 'bd'), point: located.bd09 },
    ];
    preview.dataset['datum'] = located.entered.datum;
    preview.dataset['offset'] = String(located.offset_m);
    preview.dataset['source'] = located.source;
    replace(
      preview,
      h('h4', null, m(app, 'preview')),
      h('p', { class: 'muted', 'data-source': located.source }, m(app, 'source', { source: m(app, `source.${located.source}` as 'source.typed') })),
      located.order === 'lng,lat' ? h('p', { class: 'warning', 'data-swapped': '' }, m(app, 'swapped')) : null,
      dataTable({
        id: 'location-table',
        rows,
        rowId: (r) => r.id,
        columns: [
          { key: 'system', label: m(app, 'system'), cell: (r) => r.label },
          { key: 'point', label: m(app, 'point'), cell: (r) => h('code', { 'data-point': r.id }, formatPoint(r.point)), class: 'nowrap' },
        ],
      }),
      located.out_of_china
        ? h('p', { class: 'hint' }, m(app, 'outside'))
        : h(
            'p',
            { id: 'location-offset', class: located.offset_m > 0 ? 'warning' : 'hint', 'data-offset-m': located.offset_m },
            located.offset_m > 0 ? m(app, 'offset', { n: Math.round(located.offset_m) }) : m(app, 'sameDatum'),
          ),
    );
  };
  const locationError = locationBox.querySelector<HTMLElement>('#location-error');
  const locate = (body: Record<string, unknown>): void => {
    const ticket = ++asked;
    if (locationError) locationError.hidden = true;
    delete pasteField.dataset['invalid'];
    apiFetch<Located>('POST', '/api/sites/locate', { json: body }).then(
      ({ data }) => {
        if (ticket === asked) show(data);
      },
      (error: unknown) => {
        if (ticket !== asked || !locationError) return;
        const details = error instanceof ApiError ? flattenDetails(error.details) : new Map<string, string[]>();
        locationError.textContent = [...details.values()].flat().map((text) => localiseMessage(app, text)).join(' ') || String(error instanceof Error ? error.message : error);
        locationError.hidden = false;
        if ('text' in body) pasteField.dataset['invalid'] = '';
        replace(preview);
      },
    );
  };
  const readPaste = (): void => {
    if (paste.value.trim()) locate({ text: paste.value, datum: chosenDatum() });
  };
  locationBox.querySelector('#location-read')?.addEventListener('click', readPaste);
  paste.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      readPaste();
    }
  });
  paste.addEventListener('paste', () => setTimeout(readPaste, 0));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const typed = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const la = Number(lat.value.trim());
      const lo = Number(lng.value.trim());
      if (lat.value.trim() && lng.value.trim() && Number.isFinite(la) && Number.isFinite(lo)) locate({ latitude: la, longitude: lo, datum: chosenDatum() });
    }, 300);
  };
  lat.addEventListener('input', typed);
  lng.addEventListener('input', typed);
  datum.addEventListener('change', typed);
  if (start) typed();

  const note = h('span', { id: 'site-saved' });
  const form = h(
    'form',
    { id: 'site-form' },
    formErrorSlot(),
    h('div', { class: 'form-grid' }, field({ name: 'name', label: m(app, 'name'), required: true }, name), field({ name: 'address', label: m(app, 'address'), required: true }, address)),
    locationBox,
    h('div', { class: 'form-grid' }, field({ name: 'geofence_radius_m', label: m(app, 'radius'), hint: m(app, 'radiusHint') }, radius)),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button button--primary', id: 'site-save' }, site ? m(app, 'save') : m(app, 'create')), note),
  );
  onSubmit(app, form, async () => {
    const location = { latitude: Number(lat.value.trim() || NaN), longitude: Number(lng.value.trim() || NaN), datum: chosenDatum() };
    const body: Record<string, unknown> = {
      name: name.value,
      address: address.value,
      // Empty or not a number: sent as null, so the server names the field.
      location: {
        latitude: Number.isFinite(location.latitude) ? location.latitude : null,
        longitude: Number.isFinite(location.longitude) ? location.longitude : null,
        datum: location.datum,
      },
      geofence_radius_m: radius.value.trim() === '' ? null : Number(radius.value),
    };
    if (site === null) {
      const { data } = await apiFetch<Site>('POST', `/api/units/${unit.id}/sites`, { json: body });
      ctx.go(`sites/${data.id}`);
      return;
    }
    const changes: Record<string, unknown> = {};
    if (name.value.trim() !== site.name) changes['name'] = name.value;
    if (address.value.trim() !== site.address) changes['address'] = address.value;
    const was = site.entered_location ?? site.location;
    if (location.latitude !== was.latitude || location.longitude !== was.longitude || location.datum !== was.datum) changes['location'] = body['location'];
    if (Number(radius.value) !== site.geofence_radius_m) changes['geofence_radius_m'] = body['geofence_radius_m'];
    if (Object.keys(changes).length) Object.assign(site, (await apiFetch<Site>('PATCH', `/api/sites/${site.id}`, { json: changes })).data);
    replace(note, savedNote(app));
  });
  return form;
}

async function unitOf(unitId: string): Promise<Unit> {
  return (await apiFetch<Unit>('GET', `/api/units/${unitId}`)).data;
}

export const newSiteView: OfficeView = async (ctx, main) => {
  const unit = await unitOf(ctx.params['unit'] ?? '');
  replace(
    main,
    pageHeader(`${m(ctx.app, 'newTitle')} · ${unit.name}`, h('a', { class: 'button', href: officeHref('clients', unit.client_id) }, m(ctx.app, 'back'))),
    panel({ id: 'site-panel' }, m(ctx.app, 'basics'), siteForm(ctx, null, unit)),
  );
};

export const siteView: OfficeView = async (ctx, main) => {
  const { app } = ctx;
  const { data: site } = await apiFetch<Site>('GET', `/api/sites/${ctx.params['id'] ?? ''}`);
  const unit = await unitOf(site.unit_id);
  const back = h('a', { class: 'button', href: officeHref('clients', unit.client_id) }, m(app, 'back'));
  if (!EDITORS.includes(ctx.me.role)) {
    replace(
      main,
      pageHeader(site.name, back),
      panel(
        { id: 'site-panel' },
        m(app, 'basics'),
        h('p', null, site.address),
        h('p', null, `${m(app, 'stored')}: `, h('code', { 'data-point': 'wgs84' }, formatPoint(site.location))),
        site.entered_location ? h('p', null, `${m(app, 'entered')} · ${datumLabel(app, site.entered_location.datum)}: `, h('code', null, formatPoint(site.entered_location))) : null,
        h('p', null, `${m(app, 'radius')}: ${site.geofence_radius_m}`),
        h('p', { class: 'hint' }, m(app, 'readOnly')),
      ),
    );
    return;
  }
  replace(main, pageHeader(`${site.name} · ${unit.name}`, back), panel({ id: 'site-panel' }, m(app, 'basics'), siteForm(ctx, site, unit)));
};
