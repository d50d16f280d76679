/**
 * Evidence photos of an on-site record, per clause (Tengbiao §5.2, CQC §5.2.3) and the ISO 9001
 * certificate of a partial exemption (§5.2.2): the visits' photo pipeline (data/photos.ts:
 * upright, ≤ 2048 px, JPEG, SHA-256, stored in IndexedDB before the tap resolves), keyed by the
 * record's id. store.ts queues each unconfirmed photo before the record, so the outbox uploads
 * the bytes first and the record's evidence ids are on the server when it arrives.
 *
 * Like visit photos: the position is recorded with the photo when the phone has one (read when
 * the record opens, refreshed at each photo; none is waited for long); a photo can be removed
 * until the record is submitted; once the server acknowledged the record, its confirmed photos
 * leave the phone (data/photo-store.ts `pruneConfirmedPhotos`) and are shown from the server.
 */
import { apiFetch } from '../data/api';
import { readFixes, type GeoFix } from '../data/geo';
import { capturePhoto, deletePhoto, getPhoto, getPhotoBlob } from '../data/photos';
import type { App } from '../ui/app';
import { h, replace } from '../ui/h';

/** The last position read on this screen, and when (a photo takes it if it is recent). */
let lastFix: { fix: GeoFix; at: number } | null = null;
/** A position older than this is not the photo's. */
const FIX_MAX_AGE_MS = 2 * 60_000;

function remember(fixes: GeoFix[]): GeoFix | null {
  const best = [...fixes].sort((a, b) => a.accuracy_m - b.accuracy_m)[0] ?? null;
  if (best) lastFix = { fix: best, at: Date.now() };
  return best;
}

/** Start reading the position when a record opens, so the first photo finds one. */
export function warmPosition(): void {
  void readFixes(1, 15_000).then(remember, () => null);
}

/** The photo's position: a recent reading, else one read now for at most 3 s, else none. */
async function positionNow(): Promise<GeoFix | null> {
  if (lastFix && Date.now() - lastFix.at < FIX_MAX_AGE_MS) return lastFix.fix;
  return readFixes(1, 3_000).then(remember, () => null);
}

/**
 * A "take a photo" control and the photos taken: `ids` is the content's own list (changed in
 * place); `onChanged` saves the record so a link is never lost nor kept after a removal.
 */
export function photoField(app: App, recordId: string, item: string, ids: string[], readOnly: boolean, onChanged: () => Promise<void>, opts: { single?: boolean; label?: string } = {}): HTMLElement {
  const shown = h('div', { class: 'stack', 'data-photos': item });
  const error = h('p', { class: 'error', role: 'alert' });
  const draw = (): void => {
    replace(
      shown,
      h('span', { class: 'muted', 'data-photo-count': String(ids.length) }, app.tf('onsite.photoCount', { n: ids.length })),
      h('ul', { class: 'photos' }, ids.map((id) => thumb(app, id, readOnly, remove))),
    );
  };
  const remove = (id: string): void => {
    void (async () => {
      const meta = await getPhoto(id);
      // Not on the server yet: the photo goes from the phone too (the visits' rule, photo-store).
      if (meta && !meta.confirmed) await deletePhoto(id);
      ids.splice(ids.indexOf(id), 1);
      draw();
      await onChanged();
    })().catch((e: unknown) => replace(error, String((e as Error).message)));
  };
  const input = h('input', { type: 'file', accept: 'image/*', capture: 'environment', class: 'visually-hidden', disabled: readOnly, 'data-photo-input': item });
  input.addEventListener('change', () => {
    const file = input.files?.[0];
    if (!file) return;
    void positionNow()
      .then((fix) => capturePhoto(file, { evaluationId: recordId, item, fix }))
      .then(
        async (photo) => {
          if (opts.single) ids.splice(0, ids.length, photo.id);
          else ids.push(photo.id);
          input.value = '';
          replace(error, '');
          draw();
          await onChanged();
        },
        (e: unknown) => replace(error, String((e as Error).message)),
      );
  });
  const take = h('label', { class: `button button--photo ${readOnly ? 'is-disabled' : ''}` }, input, opts.label ?? app.t('onsite.takePhoto'));
  draw();
  return h('div', { class: 'photo-block' }, take, shown, error);
}

function thumb(app: App, id: string, readOnly: boolean, remove: (id: string) => void): HTMLElement {
  const img = h('img', { alt: '', width: 64, height: 64 });
  const item = h('li', { class: 'photo', 'data-photo-id': id }, img);
  void getPhotoBlob(id)
    .then(async (blob) => {
      // Pruned after the server acknowledged the record: the server's copy.
      if (blob) return blob;
      const answer = await apiFetch<Blob>('GET', `/api/evidence/${id}/thumbnail`).catch(() => null);
      return answer?.data instanceof Blob ? answer.data : null;
    })
    .then((blob) => {
      if (blob) img.src = URL.createObjectURL(blob);
      item.dataset['source'] = blob ? 'shown' : 'missing';
    });
  void getPhoto(id).then((meta) => {
    if (meta?.fix) item.dataset['gps'] = `${meta.fix.latitude.toFixed(5)},${meta.fix.longitude.toFixed(5)}`;
  });
  if (!readOnly) {
    const button = h('button', { type: 'button', class: 'photo__remove', 'data-remove-photo': id, 'aria-label': app.t('onsite.removePhoto') }, '×');
    button.addEventListener('click', () => remove(id));
    item.append(button);
  }
  return item;
}
