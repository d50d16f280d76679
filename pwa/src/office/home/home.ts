/**
 * The office home: the signed-in person's work, one panel per kind of work their role has
 * (home/routes.ts and other features register them). Panels load side by side; one that fails
 * says why and leaves the others.
 */

import { h, replace } from '../../ui/h';
import { loadError, loading, pageHeader } from '../kit';
import { roleLabel, isRole } from '../labels';
import { defineMessages } from '../messages';
import { homePanelsFor, type OfficeView } from '../registry';

const m = defineMessages(
  { title: '工作台', hello: '{name}，你好', org: '{org} · {role}', none: '你的角色暂无办公事项。' },
  { title: 'Desk', hello: 'Hello, {name}', org: '{org} · {role}', none: 'Nothing on the desk for your role.' },
);

export const homeView: OfficeView = async (ctx, main) => {
  const { app, me } = ctx;
  const panels = homePanelsFor(me.role);
  const grid = h('div', { class: 'panel-grid', id: 'office-home', 'data-role': me.role });
  replace(
    main,
    pageHeader(m(app, 'title')),
    h(
      'p',
      { class: 'desk-greeting' },
      h('strong', null, m(app, 'hello', { name: me.display_name })),
      ' ',
      h('span', { class: 'muted' }, m(app, 'org', { org: me.organisation?.name ?? '', role: isRole(me.role) ? roleLabel(app, me.role) : me.role })),
    ),
    panels.length ? grid : h('p', { class: 'hint' }, m(app, 'none')),
  );
  await Promise.all(
    panels.map(async (panel) => {
      const slot = h('div', { class: panel.wide ? 'panel-slot panel-slot--wide' : 'panel-slot', 'data-panel': panel.id, 'data-state': 'loading' }, loading(app));
      grid.append(slot);
      try {
        const view = await panel.load();
        await view(ctx, slot);
        slot.dataset['state'] = 'ready';
      } catch (error) {
        replace(slot, loadError(app, error));
        slot.dataset['state'] = 'error';
      }
    }),
  );
};
