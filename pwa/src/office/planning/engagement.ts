/**
 * An engagement's planning page (审查组长): the document review (§5.1.4), the audit plan
 * (§4.4.4: written, sent to the client, confirmed, sent again after a change), the team from the
 * directory, mystery-shopper visits spread over the sampled sites, the customer survey and its
 * posters.
 */

import { apiFetch } from '../../data/api';
import { h, replace } from '../../ui/h';
import type { SurveyCampaign } from '../../ui/types';
import {
  dataTable,
  emptyState,
  field,
  formErrorSlot,
  onSubmit,
  pageHeader,
  panel,
  select,
  showErrors,
  statusChip,
  textArea,
  textInput,
} from '../kit';
import { engagementKindLabel } from '../labels';
import { defineMessages } from '../messages';
import type { OfficeContext, OfficeView } from '../registry';
import type { Engagement } from '../types';
import { engagementTabs } from '../engagement/tabs';
import { addDays, chinaTime, directory, type DirectoryUser, type Plan } from './api';
import { itemModes, itemsByModeField, itemsByModeSummary, readItemsByMode } from './items-by-mode';
import { known, OUTCOMES, outcomeLabel, planStatusLabel, teamRoleLabel } from './labels';

const m = defineMessages(
  {
    facts: '{client} · {kind} · {from} 至 {to}',
    review: '文件审核（§5.1.4）',
    outcome: '文审结论',
    findings: '发现的问题',
    requested: '需委托方补充的材料（每行一项）',
    saveReview: '记录文审结论',
    noReview: '还没有文审结论：发送审查计划前须完成文件审核。',
    latest: '最近一次：{outcome}',
    plan: '审查计划（§4.4.4）',
    purpose: '审查目的',
    basis: '认证依据',
    scope: '审查范围',
    process: '审查过程及要求',
    departments: '审查涉及的部门',
    items: '服务特性检验抽样项目',
    byMode: '各模式评价的项目',
    targets: '顾客调查样本量（份）',
    samplingNote: '抽样说明',
    personDays: '人日数',
    fromScheme: '按认证规则 {section}：文件审核 {review} 人日，现场审查 {onsite} 人日（{units} 个认证单元），共 {total} 人日。',
    manualDays: '认证方案未规定人日数：请由审查组长核定。',
    manual: '核定人日数',
    extra: '增加人日数',
    extraReason: '增加理由（§5.2.2 可适当增加）',
    savePlan: '保存计划',
    issue: '发送委托方确认',
    issueAgain: '发送变更并请重新确认',
    pdf: '下载计划 PDF',
    exportFile: '下载认证档案（可用 fieldcert verify 校验）',
    revision: '第 {n} 版',
    confirmedRev: '委托方已确认第 {n} 版',
    changed: '计划发出后，日期、审查组或场所有变化：请发送变更并请委托方重新确认。',
    reissued: '计划已变更，已作为第 {n} 版发送委托方重新确认。',
    team: '审查组',
    addAuditor: '加入审查组',
    noMore: '名录中没有可加入的审查员。',
    visits: '神秘顾客暗访任务',
    shoppers: '神秘顾客',
    perSite: '每个场所暗访次数',
    firstDay: '首日',
    lastDay: '末日',
    opens: '每日开始',
    closes: '每日结束',
    spread: '分配暗访任务',
    noVisits: '还没有暗访任务。',
    site: '场所',
    shopper: '神秘顾客',
    window: '时间窗口',
    status: '状态',
    noShoppers: '名录中没有神秘顾客。',
    survey: '顾客调查与海报',
    surveyTitle: '调查名称',
    surveyOpens: '开始日期',
    surveyCloses: '截止日期',
    createSurvey: '建立调查活动',
    noSurvey: '还没有调查活动：样本量取自审查计划。',
    poster: '海报 PDF',
    qr: '二维码',
  },
  {
    facts: '{client} · {kind} · {from} to {to}',
    review: 'Document review (§5.1.4)',
    outcome: 'Conclusion',
    findings: 'Problems found',
    requested: 'What the client must supply (one per line)',
    saveReview: 'Record the conclusion',
    noReview: 'No document review yet: it comes before the plan is sent.',
    latest: 'Latest: {outcome}',
    plan: 'Audit plan (§4.4.4)',
    purpose: 'Purpose',
    basis: 'Basis',
    scope: 'Scope',
    process: 'Process and requirements',
    departments: 'Departments',
    items: 'Service items sampled',
    byMode: 'Items each mode rates',
    targets: 'Survey sample (answers)',
    samplingNote: 'Sampling note',
    personDays: 'Person-days',
    fromScheme: 'By the rule {section}: document review {review}, on site {onsite} ({units} units), {total} person-days in all.',
    manualDays: 'The scheme gives no person-days: the team leader sets them.',
    manual: 'Person-days set',
    extra: 'Extra person-days',
    extraReason: 'Why more (§5.2.2)',
    savePlan: 'Save the plan',
    issue: 'Send to the client to confirm',
    issueAgain: 'Send the change to confirm again',
    pdf: 'Download the plan (PDF)',
    exportFile: 'Download the certification file (check it with fieldcert verify)',
    revision: 'Revision {n}',
    confirmedRev: 'The client confirmed revision {n}',
    changed: 'Dates, team or sites changed since the plan was sent: send the change for the client to confirm again.',
    reissued: 'The plan changed and went to the client as revision {n}, to confirm again.',
    team: 'Audit team',
    addAuditor: 'Add to the team',
    noMore: 'No other auditor in the directory.',
    visits: 'Mystery-shopper visits',
    shoppers: 'Mystery shoppers',
    perSite: 'Visits per site',
    firstDay: 'First day',
    lastDay: 'Last day',
    opens: 'Daily from',
    closes: 'Daily until',
    spread: 'Assign the visits',
    noVisits: 'No visit assigned yet.',
    site: 'Site',
    shopper: 'Shopper',
    window: 'Window',
    status: 'Status',
    noShoppers: 'No mystery shopper in the directory.',
    survey: 'Customer survey and posters',
    surveyTitle: 'Title',
    surveyOpens: 'Opens',
    surveyCloses: 'Closes',
    createSurvey: 'Create the survey',
    noSurvey: 'No survey yet: the sample sizes come from the plan.',
    poster: 'Poster (PDF)',
    qr: 'QR code',
  },
);

interface Assignment {
  id: string;
  site: { id: string; name: string };
  shopper: { id: string; display_name: string };
  window_start: string;
  window_end: string;
  status: string;
}

const kindOf = known(engagementKindLabel, ['initial', 'surveillance', 'recertification']);
const planStatusOf = known(planStatusLabel, ['draft', 'issued', 'confirmed']);
const outcomeOf = known(outcomeLabel, [...OUTCOMES]);
const PLAN_TONE: Record<string, 'neutral' | 'warn' | 'good'> = { draft: 'neutral', issued: 'warn', confirmed: 'good' };

const value = (form: HTMLElement, name: string): string =>
  form.querySelector<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>(`[name="${CSS.escape(name)}"]`)?.value ?? '';
const checked = (form: HTMLElement, name: string): string[] =>
  [...form.querySelectorAll<HTMLInputElement>(`input[name="${CSS.escape(name)}"]:checked`)].map((i) => i.value);
const submit = (label: string, action: string): HTMLElement =>
  h('div', { class: 'toolbar' }, h('button', { type: 'submit', class: 'button button--primary', 'data-action': action }, label));

function checkField(name: string, label: string, options: readonly (readonly [string, string])[], on: (v: string) => boolean): HTMLElement {
  return h(
    'div',
    { class: 'field', 'data-field': name },
    h('p', { class: 'field__label' }, label),
    h('div', { class: 'checks', 'data-checks': name }, options.map(([v, l]) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name, value: v, checked: on(v) }), ` ${l}`))),
    h('p', { class: 'field__error', 'data-field-error': '', hidden: true }),
  );
}

function reviewPanel(ctx: OfficeContext, e: Engagement, plan: Plan, reload: () => void): HTMLElement {
  const { app } = ctx;
  const latest = plan.latest_document_review;
  const form = h(
    'form',
    { class: 'form', id: 'document-review-form' },
    formErrorSlot(),
    field({ name: 'outcome', label: m(app, 'outcome') }, select(OUTCOMES.map((o) => [o, outcomeLabel(app, o)] as const))),
    field({ name: 'findings', label: m(app, 'findings') }, textArea({ rows: 2 })),
    field({ name: 'requested', label: m(app, 'requested') }, textArea({ rows: 2 })),
    submit(m(app, 'saveReview'), 'save-review'),
  );
  onSubmit(app, form, async () => {
    await apiFetch('POST', `/api/engagements/${e.id}/document-reviews`, {
      json: {
        outcome: value(form, 'outcome'),
        findings: value(form, 'findings'),
        requested: value(form, 'requested').split('\n').map((s) => s.trim()).filter(Boolean),
      },
    });
    reload();
  });
  return panel(
    { id: 'engagement-document-review', 'data-outcome': latest?.outcome ?? '' },
    m(app, 'review'),
    latest
      ? h(
          'div',
          null,
          h('p', null, statusChip(latest.outcome, m(app, 'latest', { outcome: outcomeOf(app, latest.outcome) }), latest.outcome === 'resubmit' ? 'bad' : latest.outcome === 'fit' ? 'good' : 'warn')),
          latest.requested.length ? h('ul', null, latest.requested.map((r) => h('li', null, r))) : null,
        )
      : emptyState('document-review', m(app, 'noReview')),
    form,
  );
}

function planPanel(ctx: OfficeContext, e: Engagement, plan: Plan, reload: () => void): HTMLElement {
  const { app } = ctx;
  const c = plan.current;
  const days = c.person_days;
  const targets = new Map(c.sampling.survey_targets.map((t) => [t.site_id, t.target]));
  const byMode = c.sampling.items_by_mode ?? {};
  const modes = itemModes(c.engagement.modes, byMode);
  const status = h(
    'p',
    { class: 'plan-status', 'data-plan-status': plan.status, 'data-revision': plan.revision },
    statusChip(plan.status, planStatusOf(app, plan.status), PLAN_TONE[plan.status] ?? 'neutral'),
    plan.revision ? ` ${m(app, 'revision', { n: plan.revision })}` : '',
    plan.confirmed_revision ? ` · ${m(app, 'confirmedRev', { n: plan.confirmed_revision })}` : '',
  );
  const note = h('div', { 'data-plan-note': '' });
  const form = h(
    'form',
    { class: 'form', id: 'plan-form' },
    formErrorSlot(),
    field({ name: 'purpose', label: m(app, 'purpose') }, textArea({ rows: 2, value: c.purpose })),
    field({ name: 'basis', label: m(app, 'basis') }, textArea({ rows: 2, value: c.basis })),
    field({ name: 'scope', label: m(app, 'scope') }, textArea({ rows: 2, value: c.scope })),
    field({ name: 'process', label: m(app, 'process') }, textArea({ rows: 4, value: c.process })),
    field({ name: 'departments', label: m(app, 'departments') }, textInput({ value: c.departments })),
    checkField('sampling.service_items', m(app, 'items'), plan.service_items.map((code) => [code, code] as const), (code) => c.sampling.service_items.includes(code)),
    itemsByModeField(app, modes, plan.service_model, byMode),
    h(
      'fieldset',
      { class: 'fieldset', 'data-field': 'sampling.survey_targets' },
      h('legend', null, m(app, 'targets')),
      e.sites.map((s) => field({ name: `target.${s.id}`, label: s.name }, textInput({ type: 'number', min: 1, value: String(targets.get(s.id) ?? ''), inputmode: 'numeric' }))),
    ),
    field({ name: 'sampling.note', label: m(app, 'samplingNote') }, textInput({ value: c.sampling.note })),
    h(
      'p',
      { class: 'hint', 'data-person-days': days.total ?? '' },
      days.source === 'scheme'
        ? m(app, 'fromScheme', { section: days.section, review: days.document_review ?? '0', onsite: days.onsite ?? '0', units: days.units, total: days.total ?? '' })
        : m(app, 'manualDays'),
    ),
    days.source === 'manual' ? field({ name: 'manual_person_days', label: m(app, 'manual') }, textInput({ inputmode: 'decimal', value: days.total ?? '' })) : null,
    field({ name: 'extra_person_days', label: m(app, 'extra') }, textInput({ inputmode: 'decimal', value: days.extra ?? '0' })),
    field({ name: 'extra_reason', label: m(app, 'extraReason') }, textInput({ value: days.extra_reason })),
    submit(m(app, 'savePlan'), 'save-plan'),
  );
  onSubmit(app, form, async () => {
    const survey = e.sites
      .map((s) => ({ site_id: s.id, target: Number(value(form, `target.${s.id}`)) }))
      .filter((t) => Number.isInteger(t.target) && t.target > 0);
    const body: Record<string, unknown> = {
      purpose: value(form, 'purpose'),
      basis: value(form, 'basis'),
      scope: value(form, 'scope'),
      process: value(form, 'process'),
      departments: value(form, 'departments'),
      sampling: {
        service_items: checked(form, 'sampling.service_items'),
        survey_targets: survey,
        note: value(form, 'sampling.note'),
        items_by_mode: readItemsByMode(form, modes),
      },
      extra_person_days: value(form, 'extra_person_days') || '0',
      extra_reason: value(form, 'extra_reason'),
    };
    if (days.source === 'manual') body['manual_person_days'] = value(form, 'manual_person_days') || null;
    const { data } = await apiFetch<Plan>('PATCH', `/api/engagements/${e.id}/plan`, { json: body });
    if (data.revision > plan.revision && plan.revision > 0) sessionStorage.setItem('fieldcert.reissued', String(data.revision));
    reload();
  });
  const reissued = sessionStorage.getItem('fieldcert.reissued');
  if (reissued) {
    sessionStorage.removeItem('fieldcert.reissued');
    replace(note, h('p', { class: 'success', role: 'status', 'data-reissued': reissued }, m(app, 'reissued', { n: reissued })));
  } else if (plan.changed_since_issue) {
    replace(note, h('p', { class: 'warning', role: 'status', 'data-changed': '' }, m(app, 'changed')));
  }
  const issueButton =
    plan.status === 'draft' || plan.changed_since_issue
      ? h(
          'button',
          {
            type: 'button',
            class: 'button button--primary',
            'data-action': 'issue-plan',
            onclick: async (event: Event) => {
              const button = event.currentTarget as HTMLButtonElement;
              button.disabled = true;
              try {
                await apiFetch('POST', `/api/engagements/${e.id}/plan/issue`);
                reload();
              } catch (error) {
                button.disabled = false;
                showErrors(app, form, error);
              }
            },
          },
          plan.status === 'draft' ? m(app, 'issue') : m(app, 'issueAgain'),
        )
      : null;
  const pdf = plan.issued ? h('a', { href: `/api/engagements/${e.id}/plan.pdf`, class: 'button button--small', 'data-action': 'plan-pdf', target: '_blank', rel: 'noopener' }, m(app, 'pdf')) : null;
  // What the saved plan says of the items per mode (seed 003), above the form that edits it.
  const summary = modes.length && plan.service_model.length ? h('div', { class: 'plan-section plan-by-mode' }, h('h4', null, m(app, 'byMode')), itemsByModeSummary(app, modes, byMode, 'plan-items-by-mode-summary')) : null;
  return panel({ id: 'engagement-plan' }, m(app, 'plan'), status, note, summary, form, h('div', { class: 'toolbar' }, issueButton, pdf));
}

function teamPanel(ctx: OfficeContext, e: Engagement, people: DirectoryUser[], reload: () => void): HTMLElement {
  const { app } = ctx;
  const team = e.team ?? [];
  const onTeam = new Set(team.map((t) => t.user_id));
  const candidates = people.filter((p) => (p.role === 'auditor' || p.role === 'team_leader') && !onTeam.has(p.id));
  const form = h(
    'form',
    { class: 'form form--inline', id: 'team-form' },
    formErrorSlot(),
    candidates.length
      ? field({ name: 'auditor_ids', label: m(app, 'addAuditor') }, select(candidates.map((p) => [p.id, p.display_name] as const)))
      : h('p', { class: 'hint' }, m(app, 'noMore')),
    candidates.length ? submit(m(app, 'addAuditor'), 'add-auditor') : null,
  );
  onSubmit(app, form, async () => {
    const auditors = team.filter((t) => t.team_role !== 'leader').map((t) => t.user_id);
    await apiFetch('PATCH', `/api/engagements/${e.id}`, { json: { auditor_ids: [...auditors, value(form, 'auditor_ids')] } });
    reload();
  });
  return panel(
    { id: 'engagement-team' },
    m(app, 'team'),
    h('ul', { id: 'team-list' }, team.map((t) => h('li', { 'data-user-id': t.user_id }, `${t.display_name}（${teamRoleLabel(app, t.team_role === 'leader' ? 'leader' : 'auditor')}）`))),
    form,
  );
}

async function visitsPanel(ctx: OfficeContext, e: Engagement, people: DirectoryUser[], reload: () => void): Promise<HTMLElement> {
  const { app } = ctx;
  const { data: visits } = await apiFetch<Assignment[]>('GET', `/api/engagements/${e.id}/assignments`);
  const shoppers = people.filter((p) => p.role === 'shopper');
  const form = h(
    'form',
    { class: 'form', id: 'spread-form' },
    formErrorSlot(),
    shoppers.length ? checkField('shopper_ids', m(app, 'shoppers'), shoppers.map((p) => [p.id, p.display_name] as const), () => shoppers.length === 1) : h('p', { class: 'hint' }, m(app, 'noShoppers')),
    field({ name: 'visits_per_site', label: m(app, 'perSite') }, textInput({ type: 'number', min: 1, max: 50, value: '1' })),
    field({ name: 'first_day', label: m(app, 'firstDay') }, textInput({ type: 'date', value: e.starts_on })),
    field({ name: 'last_day', label: m(app, 'lastDay') }, textInput({ type: 'date', value: e.ends_on < addDays(e.starts_on, 6) ? e.ends_on : addDays(e.starts_on, 6) })),
    field({ name: 'opens', label: m(app, 'opens') }, textInput({ type: 'time', value: '09:00' })),
    field({ name: 'closes', label: m(app, 'closes') }, textInput({ type: 'time', value: '17:00' })),
    shoppers.length ? submit(m(app, 'spread'), 'spread-visits') : null,
  );
  onSubmit(app, form, async () => {
    await apiFetch('POST', `/api/engagements/${e.id}/assignments/spread`, {
      json: {
        shopper_ids: checked(form, 'shopper_ids'),
        visits_per_site: Number(value(form, 'visits_per_site')),
        first_day: value(form, 'first_day'),
        last_day: value(form, 'last_day'),
        opens: `${value(form, 'opens')}:00`,
        closes: `${value(form, 'closes')}:00`,
      },
    });
    reload();
  });
  return panel(
    { id: 'engagement-visits' },
    m(app, 'visits'),
    visits.length
      ? dataTable({
          id: 'visits-table',
          rows: visits,
          rowId: (v) => v.id,
          columns: [
            { key: 'site', label: m(app, 'site'), cell: (v) => v.site.name, class: 'wide' },
            { key: 'shopper', label: m(app, 'shopper'), cell: (v) => v.shopper.display_name },
            { key: 'window', label: m(app, 'window'), cell: (v) => `${chinaTime(app.i18n.locale, v.window_start)} – ${chinaTime(app.i18n.locale, v.window_end).slice(-5)}`, class: 'nowrap' },
            { key: 'status', label: m(app, 'status'), cell: (v) => statusChip(v.status, v.status) },
          ],
        })
      : emptyState('visits', m(app, 'noVisits')),
    form,
  );
}

async function surveyPanel(ctx: OfficeContext, e: Engagement, plan: Plan, reload: () => void): Promise<HTMLElement> {
  const { app } = ctx;
  const { data: campaigns } = await apiFetch<SurveyCampaign[]>('GET', `/api/survey-campaigns?engagement_id=${e.id}`);
  const targets = new Map(plan.current.sampling.survey_targets.map((t) => [t.site_id, t.target]));
  const form = h(
    'form',
    { class: 'form', id: 'survey-form' },
    formErrorSlot(),
    field({ name: 'title', label: m(app, 'surveyTitle') }, textInput({ value: `${e.client.name} 顾客满意度调查` })),
    field({ name: 'opens_at', label: m(app, 'surveyOpens') }, textInput({ type: 'date', value: e.starts_on })),
    field({ name: 'closes_at', label: m(app, 'surveyCloses') }, textInput({ type: 'date', value: e.ends_on })),
    submit(m(app, 'createSurvey'), 'create-survey'),
  );
  onSubmit(app, form, async () => {
    await apiFetch('POST', '/api/survey-campaigns', {
      json: {
        engagement_id: e.id,
        title: value(form, 'title'),
        opens_at: `${value(form, 'opens_at')}T00:00:00+08:00`,
        closes_at: `${value(form, 'closes_at')}T23:59:00+08:00`,
        sites: e.sites.map((s) => ({ site_id: s.id, target: targets.get(s.id) ?? 30 })),
      },
    });
    reload();
  });
  const list = campaigns.map((c) =>
    h(
      'div',
      { class: 'campaign', 'data-campaign-id': c.id },
      h('p', null, h('strong', null, c.title), ` · ${chinaTime(app.i18n.locale, c.opens_at)} – ${chinaTime(app.i18n.locale, c.closes_at)}`),
      dataTable({
        id: `campaign-${c.id}-sites`,
        rows: c.sites,
        rowId: (s) => s.site_id,
        columns: [
          { key: 'site', label: m(app, 'site'), cell: (s) => s.site_name, class: 'wide' },
          { key: 'target', label: m(app, 'targets'), cell: (s) => s.target, class: 'num' },
          { key: 'qr', label: m(app, 'qr'), cell: (s) => h('a', { href: `/api/survey-campaigns/${c.id}/sites/${s.site_id}/qr.png`, class: 'link', target: '_blank', rel: 'noopener' }, 'PNG') },
          { key: 'poster', label: m(app, 'poster'), cell: (s) => h('a', { href: `/api/survey-campaigns/${c.id}/sites/${s.site_id}/poster.pdf`, class: 'link', 'data-poster': s.site_id, target: '_blank', rel: 'noopener' }, m(app, 'poster')) },
        ],
      }),
    ),
  );
  return panel({ id: 'engagement-survey' }, m(app, 'survey'), campaigns.length ? list : emptyState('survey', m(app, 'noSurvey')), campaigns.length ? null : form);
}

/** Roles that may download an engagement's certification file (backend/export/services.py). */
const EXPORTERS = new Set(['admin', 'team_leader', 'reviewer']);

export const engagementView: OfficeView = async (ctx, main) => {
  const { app } = ctx;
  const id = ctx.params['id'] ?? '';
  const reload = (): void => ctx.go(`engagements/${id}`);
  const [{ data: e }, { data: plan }, people] = await Promise.all([
    apiFetch<Engagement>('GET', `/api/engagements/${id}`),
    apiFetch<Plan>('GET', `/api/engagements/${id}/plan`),
    directory(),
  ]);
  replace(
    main,
    pageHeader(e.title),
    h('p', { class: 'hint', id: 'engagement-facts' }, m(app, 'facts', { client: e.client.name, kind: kindOf(app, e.kind), from: e.starts_on, to: e.ends_on })),
    // Issue 12: the whole file as a signed BagIt ZIP (the server narrows it to the team leader).
    EXPORTERS.has(ctx.me.role) ? h('p', { class: 'toolbar' }, h('a', { href: `/api/engagements/${e.id}/export.zip`, class: 'button button--small', 'data-action': 'export-file', download: '' }, m(app, 'exportFile'))) : null,
    engagementTabs(ctx, e.id, 'planning'),
    reviewPanel(ctx, e, plan, reload),
    planPanel(ctx, e, plan, reload),
    teamPanel(ctx, e, people, reload),
    await visitsPanel(ctx, e, people, reload),
    await surveyPanel(ctx, e, plan, reload),
  );
};
