/**
 * Two raters on one service experience (seed 003), in the field app.
 *
 * - `#/onsite/pairs/<engagement>`: the engagement's rater pairs (cached, so a rater finds their
 *   pair offline); the team leader pairs two of the team on a site and mode (PUT
 *   /api/rater-pairs/<id> under the phone's id, through the outbox: offline too, shown 待同步
 *   until the server has it), and sees each pair's agreement once both submitted (exact share,
 *   linearly weighted kappa, mean level difference, items).
 * - `#/onsite/rate/<pair>`: a rater's own ratings, a local `pair_rating` record (store.ts) edited
 *   on `#/onsite/edit/<id>` and sent through the outbox like every on-site record. The server
 *   seals it: neither rater sees the other's ratings until both have submitted.
 * - `#/onsite/pair/<pair>`: once both submitted, the two ratings side by side with the differing
 *   items flagged, and the reconciliation: the discussion and the agreed level per item (PUT
 *   …/reconciliation, through the outbox). Only the agreed evaluation counts in the scores, as
 *   one person (§5.1.2). The comparison needs both ratings from the server, so it needs the
 *   network once; the last one seen is kept on the phone (data/cache.ts), and from it the
 *   reconciliation can be recorded offline.
 */
import { apiFetch } from '../data/api';
import type { StoredOnsiteRecord } from '../data/types';
import { cachedGet } from '../data/cache';
import type { MessageKey } from '../i18n';
import type { App } from '../ui/app';
import { packetPath } from '../ui/context';
import { h, replace } from '../ui/h';
import type { Engagement, EngagementPacket, FieldItem, FieldScheme } from '../ui/types';
import { itemsForMode } from './rules';
import { discardPairAction, listOnsite, newId, queuePairAction, saveOnsite } from './store';

export interface PairView {
  id: string;
  engagement_id: string;
  site_id: string;
  mode: string;
  note: string;
  raters: { user_id: string; name: string; record_id: string | null; status: string }[];
  status: 'rating' | 'both_submitted' | 'reconciled';
  ratings: Record<string, { ratings: Record<string, { level?: number; alpha?: number; na?: boolean }>; notes: Record<string, string> }> | null;
  differing: string[];
  agreement: { items: number; exact: number | null; kappa: number | null; mean_abs_difference: number | null } | null;
  reconciliation: Record<string, { rating: { level?: number; na?: boolean }; discussion: string }> | null;
  reconciliation_notes: string;
}

function T(app: App, text: { zh: string; en: string } | null | undefined): string {
  return text ? (app.i18n.locale.startsWith('en') ? text.en : text.zh) : '';
}

const pairsPath = (engagementId: string): string => `/api/engagements/${engagementId}/rater-pairs`;

const PAIR_STATUS: Record<PairView['status'], MessageKey> = {
  rating: 'onsite.pair.rating',
  both_submitted: 'onsite.pair.bothSubmitted',
  reconciled: 'onsite.pair.reconciled',
};

const RATER_STATUS: Record<string, MessageKey> = {
  not_started: 'onsite.rater.notStarted',
  draft: 'onsite.status.draft',
  submitted: 'onsite.rater.submitted',
  accepted: 'onsite.status.accepted',
  returned: 'onsite.status.returned',
};

function pct(x: number | null | undefined): string {
  return x === null || x === undefined ? '—' : `${(x * 100).toFixed(1)}%`;
}
function num(x: number | null | undefined): string {
  return x === null || x === undefined ? '—' : x.toFixed(2);
}

/** The agreement figures of a pair (seed 003): shown to the team leader and the raters. */
export function agreementCard(app: App, a: PairView['agreement']): HTMLElement | null {
  if (!a) return null;
  const row = (label: string, value: string, attr: string, raw: string): HTMLElement => h('tr', null, h('th', { scope: 'row' }, label), h('td', { [attr]: raw }, value));
  return h(
    'table',
    { class: 'card', 'data-agreement': '' },
    h('caption', { class: 'muted' }, app.t('onsite.agreement')),
    h(
      'tbody',
      null,
      row(app.t('onsite.exactAgreement'), pct(a.exact), 'data-exact', String(a.exact ?? '')),
      row(app.t('onsite.weightedKappaLinear'), num(a.kappa), 'data-kappa', String(a.kappa ?? '')),
      row(app.t('onsite.meanLevelDifference'), num(a.mean_abs_difference), 'data-mad', String(a.mean_abs_difference ?? '')),
      row(app.t('onsite.itemsCompared'), String(a.items), 'data-items', String(a.items)),
    ),
  );
}

function levelText(r: { level?: number; alpha?: number; na?: boolean } | undefined): string {
  if (!r) return '—';
  if (r.na) return 'N/A';
  if (r.level !== undefined) return String(r.level);
  if (r.alpha !== undefined) return `α ${r.alpha}`;
  return '—';
}

async function loadPacket(engagementId: string): Promise<EngagementPacket | null> {
  try {
    return (await cachedGet<EngagementPacket>(packetPath(engagementId))).data;
  } catch {
    return null;
  }
}

/** Re-render when the outbox moves one of these two-rater actions on (queued → sent, blocked). */
function followActions(app: App, actions: StoredOnsiteRecord[]): void {
  if (!actions.length) return;
  app.onSync(() => {
    void listOnsite().then((now) => {
      if (actions.some((a) => now.find((r) => r.id === a.id)?.state !== a.state)) app.refresh();
    });
  });
}

/** The chip of a pairing or reconciliation made on this phone and not yet confirmed. */
function actionChip(app: App, action: StoredOnsiteRecord): HTMLElement {
  return h('span', { class: 'chip' + (action.state === 'blocked' ? ' chip--warn' : ''), 'data-sync': action.state }, action.state === 'blocked' ? app.t('onsite.state.blocked') : app.t('onsite.pendingSync'));
}

/** Give up an action the server refused (it stays on the phone until then, with the reason). */
function discardButton(app: App, id: string, label: MessageKey = 'onsite.discardRefusedPairing'): HTMLElement {
  const button = h('button', { type: 'button', class: 'button button--small', 'data-discard': id }, app.t(label));
  button.addEventListener('click', () => void discardPairAction(id).then(() => app.refresh()));
  return button;
}

/** `#/onsite/pairs/<engagement>`. */
export async function pairsScreen(app: App, root: HTMLElement, engagementId: string): Promise<void> {
  const title = app.t('onsite.twoRaters');
  replace(root, h('h2', null, title), h('p', { class: 'hint' }, app.t('common.loading')));
  let pairs: PairView[] = [];
  let offline = false;
  let fromCache = false;
  try {
    const got = await cachedGet<PairView[]>(pairsPath(engagementId));
    pairs = got.data;
    fromCache = got.fromCache;
  } catch {
    offline = true;
  }
  let engagement: Engagement | undefined;
  try {
    engagement = (await cachedGet<Engagement[]>('/api/engagements')).data.find((e) => e.id === engagementId);
  } catch {
    engagement = undefined;
  }
  const packet = await loadPacket(engagementId);
  const me = app.me?.id;
  const leader = app.me?.role === 'team_leader';
  const mine = await listOnsite();
  // Pairings made on this phone that the list (fresh or cached) does not hold yet.
  const made = mine.filter((r) => r.kind === 'rater_pair' && r.engagementId === engagementId && !pairs.some((p) => p.id === r.id));
  followActions(app, made);
  const teamName = (id: string): string => engagement?.team?.find((m) => m.user_id === id)?.display_name ?? id;
  const siteName = (id: string): string => packet?.sites.find((s) => s.id === id)?.name ?? engagement?.sites.find((s) => s.id === id)?.name ?? id;

  const list = h(
    'ul',
    { class: 'list', id: 'rater-pairs' },
    pairs.map((p) => {
      const isRater = p.raters.some((r) => r.user_id === me);
      const local = mine.find((r) => r.kind === 'pair_rating' && r.content['pair_id'] === p.id);
      const rateLink = isRater && p.status === 'rating'
        ? local
          ? h('a', { class: 'button button--block', href: `#/onsite/edit/${local.id}`, 'data-rate-pair': p.id }, app.t('onsite.openMyRatings'))
          : h('a', { class: 'button button--block button--primary', href: `#/onsite/rate/${p.id}`, 'data-rate-pair': p.id }, app.t('onsite.startMyRatings'))
        : null;
      const open = p.status !== 'rating'
        ? h('a', { class: 'button button--block' + (p.status === 'both_submitted' ? ' button--primary' : ''), href: `#/onsite/pair/${p.id}`, 'data-open-pair': p.id }, p.status === 'both_submitted' ? app.t('onsite.compareAndReconcile') : app.t('onsite.seeTheReconciliation'))
        : null;
      return h(
        'li',
        { class: 'card stack', 'data-pair-id': p.id, 'data-status': p.status },
        h('strong', null, `${siteName(p.site_id)} · ${app.t('onsite.mode')} ${p.mode}`),
        h('span', { class: 'chip' }, app.t(PAIR_STATUS[p.status])),
        h('ul', { class: 'plain' }, p.raters.map((r) => h('li', { 'data-rater': r.user_id, 'data-rater-status': r.status }, `${r.name}：${(RATER_STATUS[r.status] ? app.t(RATER_STATUS[r.status] as MessageKey) : r.status)}`))),
        p.differing.length ? h('p', { 'data-differing': p.differing.join(' ') }, app.tf('onsite.pairDiffering', { items: p.differing.join(app.t('onsite.listSeparator')) })) : null,
        agreementCard(app, p.agreement),
        rateLink,
        open,
      );
    }),
    made.map((r) =>
      h(
        'li',
        { class: 'card stack', 'data-pair-id': r.id, 'data-status': r.state === 'sent' ? 'rating' : 'pending' },
        h('strong', null, `${siteName(String(r.content['site_id']))} · ${app.t('onsite.mode')} ${String(r.content['mode'])}`),
        r.state === 'sent' ? h('span', { class: 'chip' }, app.t(PAIR_STATUS.rating)) : actionChip(app, r),
        h('ul', { class: 'plain' }, ((r.content['rater_ids'] as string[] | undefined) ?? []).map((id) => h('li', { 'data-rater': id }, teamName(id)))),
        r.state === 'blocked' && r.error ? h('p', { class: 'error', role: 'alert' }, r.error.message) : null,
        r.state === 'blocked' ? discardButton(app, r.id) : null,
        r.state === 'queued' ? h('p', { class: 'muted' }, app.t('onsite.pairingSyncsLater')) : null,
      ),
    ),
  );

  let form: HTMLElement | null = null;
  if (leader && engagement) {
    const team = engagement.team ?? [];
    const error = h('p', { class: 'error', role: 'alert', id: 'pair-error' });
    const raterSelect = (n: number): HTMLSelectElement =>
      h('select', { id: `pair-rater-${n}`, 'aria-label': app.tf('onsite.raterN', { n }) }, h('option', { value: '' }, app.tf('onsite.chooseRaterN', { n })), team.map((m) => h('option', { value: m.user_id }, m.display_name)));
    const a = raterSelect(1);
    const b = raterSelect(2);
    const site = h('select', { id: 'pair-site', 'aria-label': app.t('onsite.site') }, engagement.sites.map((s) => h('option', { value: s.id }, s.name)));
    const mode = h('select', { id: 'pair-mode', 'aria-label': app.t('onsite.modeLabel') }, engagement.modes.map((m) => h('option', { value: m }, m)));
    const note = h('textarea', { id: 'pair-note', rows: 2, placeholder: app.t('onsite.pairNoteHint') });
    const make = h('button', { type: 'button', class: 'button button--primary button--block', id: 'pair-create' }, app.t('onsite.pairThem'));
    make.addEventListener('click', () => {
      if (!a.value || !b.value || a.value === b.value) {
        replace(error, app.t('onsite.chooseTwoDifferentAuditors'));
        return;
      }
      make.disabled = true;
      // Through the outbox under the phone's id: sent exactly once, whenever the network is back.
      void queuePairAction(newId(), engagementId, 'rater_pair', { engagement_id: engagementId, site_id: site.value, mode: mode.value, rater_ids: [a.value, b.value], note: note.value }).then(
        () => pairsScreen(app, root, engagementId),
        (e: unknown) => {
          make.disabled = false;
          replace(error, String((e as Error).message));
        },
      );
    });
    form = h('details', { class: 'card stack', open: pairs.length === 0 && made.length === 0 }, h('summary', null, app.t('onsite.pairTwoAuditors')), h('p', { class: 'muted' }, app.t('onsite.pairIntro')), site, mode, a, b, note, make, error);
  }
  // The team leader: agreement per rater pair across the organisation's engagements (seed 003).
  let across: HTMLElement | null = null;
  if (leader && !offline) {
    const rows = await apiFetch<{ raters: { user_id: string; name: string }[]; engagements: number; items: number; exact: number | null; kappa: number | null; mean_abs_difference: number | null }[]>('GET', '/api/rater-pairs/agreement').then(
      (r) => r.data,
      () => [],
    );
    across = rows.length
      ? h(
          'details',
          { class: 'card stack', id: 'agreement-across' },
          h('summary', null, app.t('onsite.agreementPerRaterPairAll')),
          rows.map((row) =>
            h('div', { class: 'stack', 'data-agreement-pair': row.raters.map((r) => r.user_id).join(' ') }, h('strong', null, row.raters.map((r) => r.name).join(' + ')), h('span', { class: 'muted' }, app.tf('onsite.engagementCount', { n: row.engagements })), agreementCard(app, row)),
          ),
        )
      : null;
  }
  replace(
    root,
    h('h2', null, title),
    h('p', { class: 'muted' }, engagement?.title ?? ''),
    across,
    offline ? h('p', { class: 'hint' }, app.t('onsite.noPairsOnThisPhone')) : null,
    fromCache ? h('p', { class: 'hint', id: 'pairs-offline' }, app.t('onsite.pairsOffline')) : null,
    form,
    pairs.length === 0 && made.length === 0 && !offline ? h('p', { class: 'hint' }, app.t('onsite.noPairsYet')) : null,
    list,
    h('p', null, h('a', { href: '#/onsite' }, app.t('onsite.backToList'))),
  );
}

/** `#/onsite/rate/<pair>`: a new local ratings record for this pair (or the existing one). */
export async function startRating(app: App, pairId: string): Promise<void> {
  const existing = (await listOnsite()).find((r) => r.kind === 'pair_rating' && r.content['pair_id'] === pairId);
  if (existing) {
    app.navigate(`#/onsite/edit/${existing.id}`);
    return;
  }
  let engagementId: string | undefined;
  // The pair as cached with its engagement's list (so this works offline).
  const { data: engagements } = await cachedGet<Engagement[]>('/api/engagements');
  for (const e of engagements) {
    try {
      const found = (await cachedGet<PairView[]>(pairsPath(e.id))).data.find((p) => p.id === pairId);
      if (found) {
        engagementId = e.id;
        break;
      }
    } catch {
      /* not cached: not this one */
    }
  }
  if (!engagementId) throw new Error(`rater pair ${pairId} is not on this phone`);
  const id = newId();
  await saveOnsite({ id, engagementId, kind: 'pair_rating', content: { pair_id: pairId, ratings: {}, item_notes: {}, notes: '' } });
  app.navigate(`#/onsite/edit/${id}`);
}

/**
 * The items a pair of `mode` rates and their scales: the pinned scheme (the engagement's packet)
 * with only the items the audit plan gives that mode (seed 003; rules.ts itemsForMode), or every
 * item when the plan names none for it (`planned` false).
 */
export async function pairScheme(engagementId: string, mode: string | null): Promise<{ scheme: FieldScheme; planned: boolean } | null> {
  const packet = await loadPacket(engagementId);
  if (!packet) return null;
  const { items, planned } = itemsForMode(packet.scheme.items, packet.items_by_mode, mode);
  return { scheme: { ...packet.scheme, items }, planned };
}

/** The mode of a pair, from its engagement's cached pairs (so this works offline). */
export async function pairMode(engagementId: string, pairId: string): Promise<string | null> {
  try {
    return (await cachedGet<PairView[]>(pairsPath(engagementId))).data.find((p) => p.id === pairId)?.mode ?? null;
  } catch {
    return null;
  }
}

/**
 * The five levels of an item as one column of large targets (the visit screen's `.levels`), each
 * with its scale's label (1 远低于预期 … 5 远高于预期).
 */
function levelChoices(app: App, scheme: FieldScheme, item: FieldItem | undefined, name: string, checked: number | undefined, disabled: boolean, attr: string, code: string, pick: (level: number) => void): HTMLElement {
  const scale = scheme.scales.find((s) => s.code === item?.scale);
  return h(
    'div',
    { class: 'levels', role: 'radiogroup' },
    [1, 2, 3, 4, 5].map((level) => {
      const input = h('input', { type: 'radio', name, value: String(level), checked: checked === level, disabled, [attr]: code, 'data-level': level });
      input.addEventListener('change', () => pick(level));
      const label = scale?.bands.find((b) => b.level === level)?.label;
      return h('label', { class: 'level' }, input, h('span', { class: 'level__n' }, String(level)), h('span', { class: 'level__label' }, T(app, label)));
    }),
  );
}

/**
 * The rating part of `#/onsite/edit/<id>` for a `pair_rating` record: per item the five levels,
 * N/A, and a note. Returns the fieldsets and a summary refresher.
 */
export function ratingFields(app: App, scheme: FieldScheme, content: Record<string, unknown>, readOnly: boolean, changed: () => void): HTMLElement[] {
  const ratings = (content['ratings'] ??= {}) as Record<string, { level?: number; na?: boolean; reason?: string }>;
  const notes = (content['item_notes'] ??= {}) as Record<string, string>;
  return scheme.items.map((item) => {
    const choices = levelChoices(app, scheme, item, `rate-${item.code}`, ratings[item.code]?.level, readOnly, 'data-item', item.code, (level) => {
      ratings[item.code] = { level };
      changed();
    });
    const clear = h('button', { type: 'button', class: 'button button--small', disabled: readOnly, 'data-clear': item.code }, app.t('onsite.notRated'));
    clear.addEventListener('click', () => {
      delete ratings[item.code];
      for (const c of choices.querySelectorAll('input')) c.checked = false;
      changed();
    });
    const note = h('textarea', { rows: 1, 'data-item-note': item.code, disabled: readOnly, placeholder: app.t('onsite.whatYouObserved'), 'aria-label': app.t('onsite.whatYouObserved') }, notes[item.code] ?? '');
    note.addEventListener('input', () => {
      if (note.value.trim()) notes[item.code] = note.value;
      else delete notes[item.code];
    });
    return h('fieldset', { class: 'card stack', 'data-item-card': item.code }, h('legend', null, `${item.code} ${T(app, item.title ?? item.text)}`), item.text && item.title ? h('p', { class: 'muted' }, T(app, item.text)) : null, choices, clear, note);
  });
}

/**
 * `#/onsite/pair/<pair>`: compare (once both submitted) and reconcile. The comparison needs the
 * network once (both ratings come from the server); the last one seen stays on the phone, and
 * the reconciliation recorded from it goes through the outbox (shown 待同步 until confirmed).
 */
export async function pairScreen(app: App, root: HTMLElement, pairId: string): Promise<void> {
  const title = app.t('onsite.twoRatersCompareAndReconcile');
  replace(root, h('h2', null, title), h('p', { class: 'hint' }, app.t('common.loading')));
  let pair: PairView;
  let fromCache = false;
  let fetchedAt = '';
  try {
    const got = await cachedGet<PairView>(`/api/rater-pairs/${pairId}`);
    pair = got.data;
    fromCache = got.fromCache;
    fetchedAt = got.fetchedAt;
  } catch {
    replace(root, h('h2', null, title), h('p', { class: 'error', role: 'alert', id: 'pair-needs-network' }, app.t('onsite.comparingNeedsTheNetwork')));
    return;
  }
  // A reconciliation recorded on this phone: until the server confirms it, it is what is shown.
  const local = (await listOnsite()).find((r) => r.kind === 'reconciliation' && r.content['pair_id'] === pairId);
  const pending = local !== undefined && local.state !== 'sent' && pair.reconciliation === null ? local : undefined;
  if (local && local.state !== 'sent') followActions(app, [local]);
  if (pending) {
    pair = { ...pair, reconciliation: pending.content['items'] as PairView['reconciliation'], reconciliation_notes: String(pending.content['notes'] ?? '') };
  }
  const back = h('p', null, h('a', { href: `#/onsite/pairs/${pair.engagement_id}` }, app.t('onsite.backToThePairs')));
  if (!pair.ratings) {
    // Sealed when last seen online: whether both have submitted since, only the server knows.
    replace(root, h('h2', null, title), fromCache ? h('p', { class: 'error', role: 'alert', id: 'pair-needs-network' }, app.t('onsite.comparingNeedsTheNetwork')) : h('p', { class: 'hint', id: 'pair-sealed' }, app.t('onsite.ratingsSealed')), back);
    return;
  }
  const scheme = (await pairScheme(pair.engagement_id, pair.mode))?.scheme;
  const items = scheme?.items ?? [];
  const [ra, rb] = pair.raters;
  const A = pair.ratings[ra?.user_id ?? '']?.ratings ?? {};
  const B = pair.ratings[rb?.user_id ?? '']?.ratings ?? {};
  const codes = items.map((i) => i.code).filter((c) => c in A || c in B);
  const blocked = pending?.state === 'blocked';
  const done = pair.reconciliation !== null && !blocked;
  const agreed: Record<string, { rating: { level?: number; na?: boolean }; discussion: string }> = {};
  for (const c of codes) {
    const same = !pair.differing.includes(c);
    const prior = pair.reconciliation?.[c];
    const rating = prior?.rating ?? (same ? (A[c] ?? B[c] ?? {}) : {});
    agreed[c] = { rating: { ...rating } as { level?: number; na?: boolean }, discussion: prior?.discussion ?? '' };
  }
  const rows = codes.map((c) => {
    const differs = pair.differing.includes(c);
    const item = items.find((i) => i.code === c);
    const entry = agreed[c] as { rating: { level?: number; na?: boolean }; discussion: string };
    const choices = scheme ? levelChoices(app, scheme, item, `agreed-${c}`, entry.rating.level, done, 'data-agreed', c, (level) => (entry.rating = { level })) : null;
    const talk = h('textarea', { rows: 2, disabled: done, 'data-discussion': c, placeholder: app.t('onsite.discussionHint'), 'aria-label': app.t('onsite.discussion') }, entry.discussion);
    talk.addEventListener('input', () => (entry.discussion = talk.value));
    return h(
      'fieldset',
      { class: 'card stack' + (differs ? ' card--flagged' : ''), 'data-compare': c, 'data-differs': differs ? 'yes' : 'no' },
      h('legend', null, `${c} ${T(app, item?.title ?? item?.text)}`),
      differs ? h('p', { class: 'chip chip--warn' }, app.t('onsite.theRatersDiffer')) : null,
      h('ul', { class: 'plain' }, h('li', null, `${ra?.name ?? ''}：${levelText(A[c])}`), h('li', null, `${rb?.name ?? ''}：${levelText(B[c])}`)),
      h('p', { class: 'muted' }, app.t('onsite.agreedLevel')),
      choices,
      differs || entry.discussion ? talk : null,
    );
  });
  const notes = h('textarea', { rows: 2, id: 'reconcile-notes', disabled: done, placeholder: app.t('onsite.overallNotesOptional') }, pair.reconciliation_notes);
  const error = h('div', { class: 'error', role: 'alert', id: 'reconcile-error' });
  const save = h('button', { type: 'button', class: 'button button--primary button--block', id: 'reconcile-submit', disabled: done }, app.t('onsite.recordTheReconciliation'));
  save.addEventListener('click', () => {
    const missing = codes.filter((c) => agreed[c]?.rating.level === undefined && !agreed[c]?.rating.na);
    const untalked = pair.differing.filter((c) => codes.includes(c) && !agreed[c]?.discussion.trim());
    if (missing.length || untalked.length) {
      replace(
        error,
        h('ul', null, missing.length ? h('li', null, app.tf('onsite.chooseAgreedLevel', { items: missing.join(app.t('onsite.listSeparator')) })) : null, untalked.length ? h('li', null, app.tf('onsite.recordDiscussionOf', { items: untalked.join(app.t('onsite.listSeparator')) })) : null),
      );
      return;
    }
    save.disabled = true;
    // Through the outbox (offline too): a refused one is replaced under the same id.
    void queuePairAction(local?.id ?? newId(), pair.engagement_id, 'reconciliation', { pair_id: pair.id, items: agreed, notes: notes.value }).then(
      () => pairScreen(app, root, pairId),
      (e: unknown) => {
        save.disabled = false;
        replace(error, String((e as Error).message));
      },
    );
  });
  replace(
    root,
    h('h2', null, title),
    pending ? h('p', { id: 'pair-status', 'data-status': 'pending', 'data-sync': pending.state, class: 'chip' + (blocked ? ' chip--warn' : '') }, blocked ? app.t('onsite.state.blocked') : app.t('onsite.reconciliationPendingSync')) : h('p', { id: 'pair-status', 'data-status': pair.status, class: 'chip' }, app.t(PAIR_STATUS[pair.status])),
    blocked && pending?.error ? h('p', { class: 'error', role: 'alert' }, pending.error.message) : null,
    blocked && pending ? discardButton(app, pending.id, 'onsite.discardRefusedReconciliation') : null,
    fromCache ? h('p', { class: 'hint', id: 'pair-offline' }, app.tf('onsite.comparisonFromPhone', { when: new Date(fetchedAt).toLocaleString(app.i18n.locale) })) : null,
    agreementCard(app, pair.agreement),
    h('p', { class: 'muted' }, app.tf('onsite.differingSummary', { n: pair.differing.length })),
    ...rows,
    notes,
    error,
    save,
    back,
  );
}
