/**
 * `#/visit/<draftId>`: check in (several GPS readings, accuracy, geofence warning), rate the
 * items grouped by characteristic (five Likert levels with their α bands, optional exact α,
 * N/A with a reason, notes, photos per item), check out, review and submit. Every change is
 * saved to the draft at once (IndexedDB), so closing the app loses nothing.
 */

import { apiFetch } from '../../data/api';
import { distanceM, readFixes, type GeoFix } from '../../data/geo';
import { getDraft, saveDraft, type Rating, type VisitDraft } from '../../data/drafts';
import { discardVisit, keepVisitAsCopy, resubmitVisit, submitVisit } from '../../data/outbox';
import { refreshReturned } from '../../data/sync';
import { capturePhoto, deletePhoto, getPhotoBlob, listPhotos, StorageError, type PhotoRecord } from '../../data/photos';
import type { MessageKey } from '../../i18n';
import { errorText, modeLabel, type App, type Screen } from '../app';
import { groupItems, loadVisitContext, type VisitContext } from '../context';
import { describeBand, formatBytes, formatDateTime, formatMetres, formatTime, formatWindow, levelOfAlpha, mapLinks } from '../format';
import { h, replace } from '../h';
import { plainError } from '../sync-indicator';
import type { Level } from '../../shared/wire';
import type { FieldItem } from '../types';
import { overtaken } from '../assignment-rules';
import { judgeFixes, POOR_ACCURACY_M, submitProblems } from '../visit-rules';

/** Refusals after which this visit can never be sent as it is: another record counts. */
const NOT_TAKEN = new Set(['ASSIGNMENT_ALREADY_RECORDED', 'INVALID_TRANSITION']);

/** Readings per check-in / check-out: several, so one bad fix does not decide. */
const FIXES_PER_CHECK = 3;
const FIX_TIMEOUT_MS = 15_000;

export const visitScreen: Screen = async (app, root, params) => {
  const draftId = params[0] ?? '';
  let draft = await getDraft(draftId);
  if (draft && (draft.status === 'synced' || draft.status === 'queued')) {
    // Opened from a "returned" notification, say: pull the reviewer's decision first (offline: skip).
    await refreshReturned().catch(() => undefined);
    draft = await getDraft(draftId);
  }
  if (!draft) {
    replace(root, h('p', { class: 'error', role: 'alert', id: 'visit-missing' }, app.t('visit.missing')));
    return;
  }
  let context: VisitContext;
  try {
    context = await loadVisitContext(draft);
  } catch (error) {
    replace(root, h('p', { class: 'error', role: 'alert' }, app.t('visit.noPacket'), ' ', errorText(error)));
    return;
  }
  const photos = await listPhotos(draft.id);
  const view = new VisitView(app, root, draft, context, photos);
  view.render();
  // The outbox moves a submitted visit on (queued → synced, or returned by the reviewer).
  app.onSync(() => void view.followServer());
};

class VisitView {
  private saving: Promise<void> = Promise.resolve();
  /** Changes not yet written to IndexedDB (`data-unsaved` on the screen, for tests). */
  private unsaved = 0;
  private readonly photoRecords: Map<string, PhotoRecord>;
  private readonly objectUrls: string[] = [];
  private summary: HTMLElement | null = null;

  constructor(
    private readonly app: App,
    private readonly root: HTMLElement,
    private draft: VisitDraft,
    private ctx: VisitContext,
    photos: PhotoRecord[],
  ) {
    this.photoRecords = new Map(photos.map((p) => [p.id, p]));
  }

  /** Show what the sync did to a submitted visit (its status, a sync error) without a reload. */
  async followServer(): Promise<void> {
    if (this.editable) return;
    const fresh = await getDraft(this.draft.id);
    const same = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
    if (!fresh || (fresh.status === this.draft.status && same(fresh.syncError, this.draft.syncError))) return;
    this.draft = fresh;
    if (this.notTaken === 'refused') {
      // The server refused it because the assignment moved on: show where it stands now.
      this.ctx = await loadVisitContext(fresh).catch(() => this.ctx);
    }
    this.render();
  }

  /**
   * Drafts, returned visits, and queued ones the server refused for a reason the user can fix
   * (then submit again); not a visit another record of the assignment has overtaken.
   */
  private get editable(): boolean {
    const d = this.draft;
    if (this.notTaken !== null) return false;
    return d.status === 'draft' || d.status === 'returned' || (d.status === 'queued' && !!d.syncError);
  }

  /**
   * Why the server will not take this visit as it is, or null: kept as a copy already, refused
   * (another visit of the assignment counts, or the record is no longer editable), or the
   * assignment was submitted from another phone before this draft was sent.
   */
  private get notTaken(): 'kept' | 'refused' | 'overtaken' | null {
    const d = this.draft;
    if (d.status === 'superseded') return 'kept';
    if (d.status === 'queued' && d.syncError && NOT_TAKEN.has(d.syncError.code)) return 'refused';
    if (overtaken(d, this.ctx.assignmentStatus)) return 'overtaken';
    return null;
  }

  /** Apply a change and save the draft; saves run one after another, in order. */
  private change(mutate: (d: VisitDraft) => void): Promise<void> {
    mutate(this.draft);
    this.draft.updatedAt = new Date().toISOString();
    const snapshot = structuredClone(this.draft);
    this.unsaved += 1;
    this.root.dataset['unsaved'] = String(this.unsaved);
    this.saving = this.saving
      .then(() => saveDraft(snapshot))
      .then(
        () => {
          this.root.dataset['saved'] = snapshot.updatedAt;
        },
        (error: unknown) => this.showStorageError(error),
      )
      .then(() => {
        this.unsaved -= 1;
        this.root.dataset['unsaved'] = String(this.unsaved);
      });
    this.renderSummary();
    return this.saving;
  }

  private showStorageError(error: unknown): void {
    const box = this.root.querySelector<HTMLElement>('#storage-error');
    if (!box) return;
    box.hidden = false;
    box.textContent =
      error instanceof StorageError && error.kind === 'quota' ? this.app.t('storage.quota') : `${this.app.t('storage.failed')} ${errorText(error)}`;
  }

  render(): void {
    const { app, ctx, draft } = this;
    for (const url of this.objectUrls.splice(0)) URL.revokeObjectURL(url);
    const links = mapLinks(ctx.site.location.latitude, ctx.site.location.longitude, ctx.site.name);
    this.root.dataset['draftId'] = draft.id;
    this.root.dataset['status'] = draft.status;
    replace(
      this.root,
      h(
        'header',
        { class: 'visit-head' },
        h('h2', { id: 'visit-site' }, ctx.site.name),
        h('p', { class: 'muted' }, ctx.title),
        h(
          'p',
          { class: 'chips' },
          h('span', { class: 'chip' }, modeLabel(app, draft.mode)),
          h(
            'span',
            { id: 'visit-status', class: `chip chip--draft-${this.notTaken === 'refused' ? 'returned' : draft.status}`, 'data-status': draft.status },
            app.t(this.notTaken === 'refused' ? 'draft.refused' : (`draft.${draft.status}` as MessageKey)),
          ),
          ctx.assignmentStatus
            ? h(
                'span',
                { id: 'visit-assignment-status', class: 'chip', 'data-status': ctx.assignmentStatus },
                app.tf('visit.assignmentStatus', { status: app.t(`assignmentStatus.${ctx.assignmentStatus}` as MessageKey) }),
              )
            : null,
          ctx.window ? h('span', { class: 'chip' }, formatWindow(ctx.window.start, ctx.window.end, app.i18n.locale)) : null,
        ),
        h('p', { class: 'links' }, h('a', { href: links.geo, class: 'link' }, app.t('assignments.mapApp')), ' · ', h('a', { href: links.amap, class: 'link', target: '_blank', rel: 'noopener' }, app.t('assignments.amap'))),
        ctx.instructions ? h('details', null, h('summary', null, app.t('assignments.instructions')), h('p', null, ctx.instructions)) : null,
      ),
      draft.status === 'returned' || draft.returnComment
        ? h(
            'section',
            { id: 'return-comment', class: 'card card--warning', role: 'note' },
            h('h3', null, app.t('visit.returnedTitle')),
            h('p', { id: 'return-comment-text' }, draft.returnComment ?? '—'),
            draft.status === 'returned' ? h('p', { class: 'hint' }, app.t('visit.returnedHint')) : null,
          )
        : null,
      h('p', { id: 'storage-error', class: 'error', role: 'alert', hidden: true }),
      this.notTaken !== null ? this.notTakenBox(this.notTaken) : draft.syncError ? this.syncErrorBox(draft.syncError) : null,
      this.checkSection('in'),
      h('h3', { class: 'section-title' }, app.t('visit.itemsTitle')),
      groupItems(ctx.scheme).map((group) =>
        h(
          'details',
          { class: 'group', open: true, 'data-characteristic': group.code },
          h('summary', null, group.code.startsWith('bonus:') ? app.t('visit.bonus') : `${group.code} ${app.text(group.title)}`),
          group.items.map((item) => this.itemCard(item)),
        ),
      ),
      this.generalSection(),
      this.checkSection('out'),
      this.submitSection(),
    );
    this.renderSummary();
  }

  /**
   * What happened to a visit the server will not take, that another record counts, and what to
   * do with this one: keep it as a copy on the phone (never sent) or delete it.
   */
  private notTakenBox(why: 'kept' | 'refused' | 'overtaken'): HTMLElement {
    const { app, draft } = this;
    const code = draft.syncError?.code ?? '';
    const details = draft.syncError?.details && typeof draft.syncError.details === 'object' ? (draft.syncError.details as Record<string, unknown>) : {};
    const serverStatus = String(details['evaluation_status'] ?? details['status'] ?? details['server_status'] ?? this.ctx.assignmentStatus ?? '');
    const statusText = serverStatus ? app.t(`evaluationStatus.${serverStatus}` as MessageKey) ?? serverStatus : '';
    const what =
      why === 'kept'
        ? app.t('visit.notTaken.kept')
        : code === 'INVALID_TRANSITION'
          ? app.tf('visit.notTaken.notEditable', { status: statusText || '—' })
          : app.t('visit.notTaken.otherPhone');
    const message = h('p', { id: 'visit-not-taken-message', role: 'status' });
    const keep = h('button', { id: 'visit-keep-copy', type: 'button', class: 'button button--block' }, app.t('visit.keepCopy'));
    const discard = h('button', { id: 'visit-discard', type: 'button', class: 'button button--block button--danger' }, app.t('visit.discard'));
    const act = (work: () => Promise<void>, after: () => Promise<void>): void => {
      keep.disabled = true;
      discard.disabled = true;
      work().then(after, (error: unknown) => {
        keep.disabled = false;
        discard.disabled = false;
        message.className = 'error';
        message.textContent = `${app.t('visit.notTaken.failed')} ${errorText(error)}`;
      });
    };
    keep.addEventListener('click', () =>
      act(
        () => keepVisitAsCopy(draft.id),
        async () => {
          const fresh = await getDraft(draft.id);
          if (fresh) this.draft = fresh;
          this.render();
        },
      ),
    );
    discard.addEventListener('click', () => {
      if (!window.confirm(app.t('visit.discardConfirm'))) return;
      act(
        () => discardVisit(draft.id),
        async () => app.navigate(draft.assignmentId !== null ? '#/assignments' : '#/inspect'),
      );
    });
    return h(
      'section',
      { id: 'visit-not-taken', class: 'card card--warning stack', role: why === 'kept' ? 'note' : 'alert', 'data-state': why, 'data-code': code },
      h('h3', null, app.t(why === 'kept' ? 'visit.notTaken.keptTitle' : 'visit.notTaken.title')),
      h('p', null, what),
      why === 'kept' ? null : h('p', null, app.t('visit.notTaken.counts')),
      h('p', { class: 'hint' }, app.t(why === 'kept' ? 'visit.notTaken.keptHint' : 'visit.notTaken.choose')),
      why === 'kept' ? null : keep,
      discard,
      message,
    );
  }

  /** Why the server refused this visit, in plain words, with the fields it named. */
  private syncErrorBox(error: NonNullable<VisitDraft['syncError']>): HTMLElement {
    const { app } = this;
    const key = plainError(error.code);
    const details = error.details && typeof error.details === 'object' ? (error.details as Record<string, unknown>) : {};
    const fields = Array.isArray(details['fields']) ? (details['fields'] as unknown[]).map(String) : [];
    const named =
      error.code === 'VALIDATION_ERROR'
        ? Object.entries(details).map(([field, messages]) => `${field}${app.t('review.colon')}${Array.isArray(messages) ? messages.join('; ') : String(messages)}`)
        : [];
    return h(
      'section',
      { id: 'visit-sync-error', class: 'card card--warning', role: 'alert', 'data-code': error.code },
      h('p', null, app.tf('visit.syncError', { message: key ? app.t(key) : error.message || error.code })),
      error.code === 'EDIT_CONFLICT' && fields.length ? h('p', null, app.tf('visit.conflict', { fields: fields.join(', ') })) : null,
      named.length ? h('ul', null, named.map((line) => h('li', null, line))) : null,
    );
  }

  // ------------------------------------------------------------------ check in / out

  private checkSection(which: 'in' | 'out'): HTMLElement {
    const { app, ctx } = this;
    const id = which === 'in' ? 'checkin' : 'checkout';
    const section = h('section', { id: `${id}-section`, class: 'card stack' });
    const draw = (): void => {
      const d = this.draft;
      const stamp = which === 'in' ? d.startedAt : d.endedAt;
      // Fixes of each phase: those read before / after checking out (by time).
      // Check-out starts at endedAt (its first reading), so earlier fixes belong to the visit.
      const outFrom = d.endedAt ? Date.parse(d.endedAt) : Infinity;
      const fixes = d.gpsFixes.filter((f) => (which === 'in') === Date.parse(f.captured_at) < outFrom);
      // The latest readings decide (a re-read after moving outdoors replaces a bad verdict).
      const judged = judgeFixes(this.latest.get(which) ?? fixes, ctx.site.location, ctx.site.geofence_radius_m);
      const button = h(
        'button',
        { id, class: `button button--block ${stamp ? '' : 'button--primary'}`, type: 'button', disabled: !this.editable || (which === 'out' && !d.startedAt) },
        app.t(stamp ? (which === 'in' ? 'visit.checkinAgain' : 'visit.checkoutAgain') : which === 'in' ? 'visit.checkin' : 'visit.checkout'),
      );
      const status = h('p', { id: `${id}-geo`, class: 'geo', 'data-geo': judged.verdict });
      button.addEventListener('click', () => {
        button.disabled = true;
        status.textContent = app.t('visit.locating');
        readFixes(FIXES_PER_CHECK, FIX_TIMEOUT_MS)
          .then((read) => ({ read, error: null as unknown }))
          .catch((error: unknown) => ({ read: [] as GeoFix[], error }))
          .then(async ({ read, error }) => {
            const now = new Date().toISOString();
            if (read.length) this.latest.set(which, read);
            await this.change((draft) => {
              draft.gpsFixes = [...draft.gpsFixes, ...read];
              if (which === 'in') draft.startedAt = draft.startedAt ?? read[0]?.captured_at ?? now;
              else draft.endedAt = read[0]?.captured_at ?? now;
            });
            draw();
            this.redrawCheck('out');
            if (error) {
              const problem = h('p', { id: `${id}-geo-error`, class: 'error', role: 'alert' }, app.t('visit.geoFailed'), ' ', errorText(error));
              section.append(problem);
            }
          });
      });
      const rows = fixes.map((f, i) =>
        h(
          'li',
          { 'data-accuracy': f.accuracy_m },
          `#${i + 1} ${formatTime(f.captured_at, app.i18n.locale)} · ${app.tf('visit.accuracy', { metres: Math.round(f.accuracy_m) })} · ${formatMetres(distanceM(f, ctx.site.location))}`,
        ),
      );
      if (judged.verdict === 'ok') status.textContent = app.tf('visit.geoOk', { distance: formatMetres(judged.distance ?? 0), accuracy: Math.round(judged.best?.accuracy_m ?? 0) });
      else if (judged.verdict === 'none') status.textContent = stamp ? app.t('visit.geoNone') : '';
      replace(
        section,
        h('h3', null, app.t(which === 'in' ? 'visit.checkinTitle' : 'visit.checkoutTitle')),
        stamp ? h('p', { class: 'muted', id: `${id}-time` }, formatDateTime(stamp, app.i18n.locale)) : null,
        rows.length ? h('ul', { class: 'fixes', id: `${id}-fixes` }, rows) : null,
        status,
        judged.verdict === 'poor-accuracy' || judged.verdict === 'outside'
          ? h(
              'p',
              { id: `${id}-warning`, class: 'warning geo-warning', role: 'alert', 'data-warning': judged.verdict },
              judged.verdict === 'outside'
                ? app.tf('visit.geoOutside', { distance: formatMetres(judged.distance ?? 0), radius: formatMetres(ctx.site.geofence_radius_m) })
                : app.tf('visit.geoPoor', { accuracy: Math.round(judged.best?.accuracy_m ?? 0), limit: POOR_ACCURACY_M }),
            )
          : null,
        button,
      );
    };
    section.dataset['draw'] = id;
    this.drawers.set(which, draw);
    draw();
    return section;
  }

  private readonly drawers = new Map<'in' | 'out', () => void>();
  /** The readings of the last tap on check in / check out during this screen. */
  private readonly latest = new Map<'in' | 'out', GeoFix[]>();

  private redrawCheck(which: 'in' | 'out'): void {
    this.drawers.get(which)?.();
  }

  // ------------------------------------------------------------------ items

  private itemCard(item: FieldItem): HTMLElement {
    const { app, ctx } = this;
    const scale = ctx.scheme.scales.find((s) => s.code === item.scale);
    const withBands = ctx.scales?.get(item.scale) ?? null;
    const card = h('article', { class: 'item card', 'data-item': item.code, id: `item-${item.code}` });
    const readOnly = !this.editable;

    const draw = (): void => {
      const rating: Rating | undefined = this.draft.ratings[item.code];
      const alphaLevel = rating?.alpha !== undefined && withBands ? levelOfAlpha(withBands.bands, rating.alpha) : null;
      const shownLevel = rating?.level ?? alphaLevel;
      card.dataset['rated'] = rating ? (rating.na ? 'na' : rating.alpha !== undefined ? 'alpha' : 'level') : 'none';

      // The documents' order, 1 (远低于预期) first, whatever order the scale lists its bands in.
      const bands = [...(scale?.bands ?? [])].sort((a, b) => a.level - b.level);
      const levels = bands.map((band) => {
        const alphaBand = withBands?.bands.find((b) => b.level === band.level);
        const pressed = !rating?.na && shownLevel === band.level;
        const button = h(
          'button',
          { type: 'button', class: 'level', 'data-level': band.level, 'aria-pressed': String(pressed), disabled: readOnly },
          h('span', { class: 'level__n' }, String(band.level)),
          h('span', { class: 'level__label' }, app.text(band.label)),
          alphaBand ? h('span', { class: 'level__band' }, describeBand(alphaBand)) : null,
        );
        button.addEventListener('click', () => {
          void this.change((d) => {
            d.ratings = { ...d.ratings, [item.code]: { level: band.level as Level } };
          });
          draw();
        });
        return button;
      });

      const alpha = h('input', {
        type: 'number',
        inputmode: 'decimal',
        min: 0,
        max: 1,
        step: 0.01,
        class: 'alpha-input',
        'data-alpha': '',
        value: rating?.alpha ?? '',
        disabled: readOnly || !!rating?.na,
        'aria-label': app.t('visit.alpha'),
      });
      const alphaNote = h('span', { class: 'hint', 'data-alpha-note': '' });
      if (rating?.alpha !== undefined && withBands) {
        alphaNote.textContent = alphaLevel === null ? app.t('visit.alphaOutside') : app.tf('visit.alphaLevel', { level: alphaLevel });
      }
      alpha.addEventListener('change', () => {
        const text = alpha.value.trim();
        const value = Number(text);
        if (text === '') {
          void this.change((d) => {
            const next = { ...d.ratings };
            delete next[item.code];
            d.ratings = next;
          });
        } else if (Number.isFinite(value) && value >= 0 && value <= 1) {
          void this.change((d) => {
            d.ratings = { ...d.ratings, [item.code]: { alpha: value } };
          });
        } else {
          alphaNote.textContent = app.t('visit.alphaInvalid');
          return;
        }
        draw();
      });

      const na = h('input', { type: 'checkbox', 'data-na': '', checked: !!rating?.na, disabled: readOnly });
      const reason = h('input', {
        type: 'text',
        class: 'na-reason',
        'data-na-reason': '',
        value: rating?.reason ?? '',
        placeholder: app.t('visit.naReason'),
        hidden: !rating?.na,
        disabled: readOnly,
        maxlength: 500,
      });
      na.addEventListener('change', () => {
        void this.change((d) => {
          const next = { ...d.ratings };
          if (na.checked) next[item.code] = { na: true, reason: reason.value };
          else delete next[item.code];
          d.ratings = next;
        });
        draw();
        if (na.checked) card.querySelector<HTMLInputElement>('[data-na-reason]')?.focus();
      });
      reason.addEventListener('input', () => {
        void this.change((d) => {
          d.ratings = { ...d.ratings, [item.code]: { na: true, reason: reason.value } };
        });
      });

      const note = h('textarea', { class: 'item-note', 'data-item-note': '', rows: 2, placeholder: app.t('visit.itemNote'), disabled: readOnly, maxlength: 5000 });
      note.value = this.draft.itemNotes[item.code] ?? '';
      note.addEventListener('input', () => {
        void this.change((d) => {
          const next = { ...d.itemNotes };
          if (note.value) next[item.code] = note.value;
          else delete next[item.code];
          d.itemNotes = next;
        });
      });

      replace(
        card,
        h(
          'header',
          { class: 'item__head' },
          h('span', { class: 'item__code' }, item.code),
          h('span', { class: 'item__title' }, app.text(item.title)),
          h('span', { class: 'item__points' }, app.tf('visit.points', { points: item.points })),
        ),
        item.text ? h('p', { class: 'item__text' }, app.text(item.text)) : null,
        levels.length ? h('div', { class: 'levels', role: 'group', 'aria-label': app.t('visit.level') }, levels) : null,
        h('label', { class: 'inline-field' }, h('span', null, app.t('visit.alpha')), alpha, alphaNote),
        h('label', { class: 'inline-field check' }, na, h('span', null, app.t('visit.na'))),
        reason,
        note,
        this.photoBlock(item.code),
      );
    };
    draw();
    return card;
  }

  // ------------------------------------------------------------------ photos

  private photoBlock(item: string | null): HTMLElement {
    const { app } = this;
    const list = h('ul', { class: 'photos', 'data-photos': item ?? 'general' });
    const drawList = (): void => {
      replace(
        list,
        this.draft.photos
          .filter((p) => p.item === item)
          .map((p) => this.photoThumb(p.photoId, drawList)),
      );
    };
    drawList();
    const input = h('input', {
      type: 'file',
      accept: 'image/*',
      capture: 'environment',
      class: 'visually-hidden',
      'data-photo-input': item ?? 'general',
      id: item === null ? 'photo-general' : `photo-${item}`,
      multiple: true,
      disabled: !this.editable,
    });
    const status = h('span', { class: 'hint', 'data-photo-status': '', 'aria-live': 'polite' });
    input.addEventListener('change', () => {
      const files = [...(input.files ?? [])];
      input.value = '';
      void this.savePhotos(files, item, status).then(drawList);
    });
    return h(
      'div',
      { class: 'photo-block' },
      h('label', { class: `button button--photo ${this.editable ? '' : 'is-disabled'}` }, input, app.t(item === null ? 'visit.photoGeneral' : 'visit.photo')),
      status,
      list,
    );
  }

  /** Store each photo (downscaled, hashed) before anything else; measured for the budget. */
  private async savePhotos(files: File[], item: string | null, status: HTMLElement): Promise<void> {
    const fix = this.draft.gpsFixes[this.draft.gpsFixes.length - 1] ?? null;
    for (const file of files) {
      status.textContent = this.app.t('visit.photoSaving');
      status.dataset['state'] = 'saving';
      // The "tap on save photo" → stored-in-IndexedDB time (bench/pwa_bench.py reads it).
      const mark = `photo-save:${crypto.randomUUID()}`;
      performance.mark(`${mark}:start`);
      try {
        const record = await capturePhoto(file, { evaluationId: this.draft.id, item, fix });
        performance.mark(`${mark}:end`);
        performance.measure('photo-save', `${mark}:start`, `${mark}:end`);
        this.photoRecords.set(record.id, record);
        await this.change((d) => {
          d.photos = [...d.photos, { photoId: record.id, item }];
        });
        status.textContent = this.app.t('visit.photoSaved');
        status.dataset['state'] = 'saved';
      } catch (error) {
        status.dataset['state'] = 'error';
        status.textContent =
          error instanceof StorageError && error.kind === 'quota' ? this.app.t('storage.quota') : `${this.app.t('visit.photoFailed')} ${errorText(error)}`;
      }
    }
  }

  private photoThumb(photoId: string, redraw: () => void): HTMLElement {
    const record = this.photoRecords.get(photoId);
    const img = h('img', { alt: '', width: 96, height: 96, loading: 'lazy' });
    void getPhotoBlob(photoId)
      .then(async (blob) => {
        // Sent and confirmed photos of decided visits leave the phone: show the server's copy.
        if (blob) return blob;
        const answer = await apiFetch<Blob>('GET', `/api/evidence/${photoId}/thumbnail`).catch(() => null);
        return answer?.data instanceof Blob ? answer.data : null;
      })
      .then((blob) => {
        if (!blob) return;
        const url = URL.createObjectURL(blob);
        this.objectUrls.push(url);
        img.src = url;
      });
    const remove =
      this.editable && record && !record.confirmed
        ? h('button', { type: 'button', class: 'photo__remove', 'data-delete-photo': photoId, 'aria-label': this.app.t('visit.photoDelete') }, '×')
        : null;
    remove?.addEventListener('click', () => {
      void deletePhoto(photoId)
        .then(() => this.change((d) => {
          d.photos = d.photos.filter((p) => p.photoId !== photoId);
        }))
        .then(redraw);
    });
    return h(
      'li',
      {
        class: 'photo',
        'data-photo-id': photoId,
        'data-sha256': record?.sha256 ?? '',
        'data-size': record?.size ?? '',
        'data-original-size': record?.originalSize ?? '',
        'data-confirmed': String(record?.confirmed ?? false),
        title: record ? `${record.width}×${record.height} · ${formatBytes(record.size)}` : '',
      },
      img,
      remove,
    );
  }

  // ------------------------------------------------------------------ notes, submit

  private generalSection(): HTMLElement {
    const notes = h('textarea', { id: 'visit-notes', rows: 4, placeholder: this.app.t('visit.notesHint'), disabled: !this.editable, maxlength: 20000 });
    notes.value = this.draft.notes;
    notes.addEventListener('input', () => {
      void this.change((d) => {
        d.notes = notes.value;
      });
    });
    return h(
      'section',
      { class: 'card stack', id: 'general-section' },
      h('h3', null, this.app.t('visit.notes')),
      notes,
      h('p', { class: 'hint', id: 'general-photos-caption' }, this.app.t('visit.photoGeneralHint')),
      this.photoBlock(null),
    );
  }

  private submitSection(): HTMLElement {
    const { app } = this;
    this.summary = h('div', { id: 'visit-summary' });
    const button = h(
      'button',
      { id: 'submit-visit', class: 'button button--primary button--block', type: 'button', hidden: !this.editable },
      app.t(this.draft.status === 'returned' ? 'visit.resubmit' : 'visit.submit'),
    );
    const errors = h('ul', { id: 'submit-errors', class: 'error', role: 'alert', hidden: true });
    button.addEventListener('click', () => {
      const problems = submitProblems(this.draft, this.ctx.scheme.items);
      if (problems.length) {
        errors.hidden = false;
        replace(errors, problems.map((p) => h('li', { 'data-problem': p.key, 'data-item': p.item ?? '' }, p.item ? `${p.item}: ${app.t(p.key)}` : app.t(p.key))));
        const first = problems.find((p) => p.item);
        if (first?.item) document.getElementById(`item-${first.item}`)?.scrollIntoView({ block: 'center' });
        return;
      }
      errors.hidden = true;
      button.disabled = true;
      const returned = this.draft.status === 'returned';
      this.saving
        .then(() => (returned ? resubmitVisit(this.draft.id) : submitVisit(this.draft.id)))
        .then(() => getDraft(this.draft.id))
        .then((fresh) => {
          if (fresh) this.draft = fresh;
          this.render();
          document.getElementById('visit-status')?.scrollIntoView({ block: 'start' });
        })
        .catch((error: unknown) => {
          button.disabled = false;
          errors.hidden = false;
          replace(errors, h('li', null, `${app.t('visit.submitFailed')} ${errorText(error)}`));
        });
    });
    return h(
      'section',
      { class: 'card stack', id: 'submit-section' },
      h('h3', null, app.t('visit.reviewTitle')),
      this.summary,
      errors,
      button,
      this.editable || this.notTaken !== null
        ? null
        : h('p', { id: 'visit-submitted', class: 'hint', 'data-status': this.draft.status }, app.t(this.draft.status === 'synced' ? 'visit.syncedHint' : 'visit.queuedHint')),
    );
  }

  private renderSummary(): void {
    if (!this.summary) return;
    const items = this.ctx.scheme.items;
    const rated = items.filter((i) => this.draft.ratings[i.code] && !this.draft.ratings[i.code]?.na).length;
    const na = items.filter((i) => this.draft.ratings[i.code]?.na).length;
    replace(
      this.summary,
      h('p', { 'data-rated': rated, 'data-na': na, 'data-total': items.length }, this.app.tf('visit.summary', { rated, na, total: items.length })),
      h('p', null, this.app.tf('visit.summaryPhotos', { photos: this.draft.photos.length, fixes: this.draft.gpsFixes.length })),
    );
  }
}
