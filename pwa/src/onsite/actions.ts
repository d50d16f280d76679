/**
 * The two buttons every on-site record ends with: keep it on this phone (a draft), or submit it
 * (kept, then queued for the outbox in store.ts). Written once for the management, conformity,
 * document-review and pair-rating screens, so "submit" always saves what is on screen first and
 * never queues a record its screen found problems in.
 */
import type { StoredOnsiteRecord } from '../data/types';
import type { App } from '../ui/app';
import { h } from '../ui/h';
import { queueOnsite, saveOnsite } from './store';

export interface SaveAndSubmit {
  readOnly: boolean;
  saveLabel: string;
  submitLabel: string;
  /** Shows what stops the record going (the screen's own way) and says whether it may be saved. */
  check: () => boolean;
}

export function saveAndSubmit(app: App, record: StoredOnsiteRecord, content: Record<string, unknown>, options: SaveAndSubmit): HTMLElement {
  const keep = async (): Promise<boolean> => {
    if (!options.check()) return false;
    await saveOnsite({ id: record.id, engagementId: record.engagementId, kind: record.kind, content });
    return true;
  };
  const save = h('button', { type: 'button', class: 'button', id: 'onsite-save', disabled: options.readOnly }, options.saveLabel);
  const submit = h('button', { type: 'button', class: 'button button--primary', id: 'onsite-submit', disabled: options.readOnly }, options.submitLabel);
  save.addEventListener('click', () => void keep().then((ok) => ok && app.refresh()));
  submit.addEventListener('click', () => {
    void keep().then(async (ok) => {
      if (!ok) return;
      await queueOnsite(record.id);
      app.refresh();
    });
  });
  return h('div', { class: 'row' }, save, submit);
}
