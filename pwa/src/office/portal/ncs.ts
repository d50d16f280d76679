/**
 * The client's nonconformities (不符合项) in the portal: what was found, by when to rectify it
 * (§5.2.3.1 通常20天、最长60天; §7.4 b 通常30天、最长90天), and the answer: cause, correction and
 * photos or documents through the evidence upload. Never who found it or from which visit: the
 * API answers none of that to client users.
 */

import { apiFetch } from '../../data/api';
import { h, replace } from '../../ui/h';
import { dataTable, emptyState, field, formErrorSlot, onSubmit, pageHeader, panel, savedNote, textArea } from '../kit';
import { defineMessages } from '../messages';
import { officeHref, type OfficeView } from '../registry';
import { daysText, deadlineText, m as nc, reminderBanner, stageChip, thumbnails, uploadEvidence, type Nonconformity } from '../ncs/api';

const m = defineMessages(
  {
    title: '不符合项整改',
    none: '没有不符合项。',
    number: '编号',
    engagement: '认证项目',
    clause: '条款',
    stage: '状态',
    deadline: '最迟期限',
    open: '查看并整改',
    view: '查看',
    one: '不符合项 {n}（条款 {clause}）',
    finding: '不符合事实',
    findingEvidence: '审查组附有 {n} 份证据。',
    returned: '上次整改未通过验证：',
    answer: '整改回复',
    cause: '原因分析',
    correction: '纠正措施',
    evidence: '整改证据（照片或文件）',
    evidenceHint: '可上传 JPEG、PNG、HEIC 照片或 PDF 文件，每个不超过 20 MB。',
    uploaded: '已上传 {n} 份',
    uploading: '正在上传…',
    submit: '提交整改',
    submitted: '已提交，等待审查组验证。',
    yourAnswer: '已提交的整改',
    verification: '验证结果',
    rejudged: '重新判定：{label}',
    equivalent: '以等效措施关闭：{reason}',
    back: '返回列表',
    panelTitle: '待整改的不符合项',
    panelNone: '没有待整改的不符合项。',
    panelItem: '不符合项 {n}（{title}，条款 {clause}）最迟 {date}',
  },
  {
    title: 'Nonconformities',
    none: 'No nonconformities.',
    number: 'No.',
    engagement: 'Engagement',
    clause: 'Clause',
    stage: 'Status',
    deadline: 'Latest deadline',
    open: 'Read and answer',
    view: 'View',
    one: 'Nonconformity {n} (clause {clause})',
    finding: 'Finding',
    findingEvidence: 'The audit team attached {n} pieces of evidence.',
    returned: 'The last answer was not accepted:',
    answer: 'Your answer',
    cause: 'Cause',
    correction: 'Correction',
    evidence: 'Evidence (photos or documents)',
    evidenceHint: 'JPEG, PNG or HEIC photos, or PDF files, up to 20 MB each.',
    uploaded: '{n} uploaded',
    uploading: 'Uploading…',
    submit: 'Submit the answer',
    submitted: 'Submitted: the audit team will verify it.',
    yourAnswer: 'Your answer',
    verification: 'Verification',
    rejudged: 'Re-judged: {label}',
    equivalent: 'Closed with an equivalent fix: {reason}',
    back: 'Back to the list',
    panelTitle: 'Nonconformities to rectify',
    panelNone: 'No nonconformity waits for you.',
    panelItem: 'Nonconformity {n} ({title}, clause {clause}), at the latest {date}',
  },
);

export const portalNcsView: OfficeView = async (ctx, main) => {
  const { app } = ctx;
  const { data } = await apiFetch<Nonconformity[]>('GET', '/api/portal/nonconformities');
  replace(
    main,
    pageHeader(m(app, 'title')),
    data.map((row) => reminderBanner(app, row)),
    data.length
      ? dataTable({
          id: 'portal-ncs',
          rows: data,
          rowId: (r) => r.id,
          columns: [
            { key: 'number', label: m(app, 'number'), cell: (r) => r.number, class: 'num' },
            { key: 'engagement', label: m(app, 'engagement'), cell: (r) => r.engagement_title },
            { key: 'clause', label: m(app, 'clause'), cell: (r) => r.clause },
            { key: 'stage', label: m(app, 'stage'), cell: (r) => stageChip(app, r) },
            { key: 'deadline', label: m(app, 'deadline'), cell: (r) => h('span', { title: deadlineText(app, r) }, r.latest_due, ' · ', daysText(app, r)) },
            {
              key: 'open',
              label: '',
              cell: (r) => h('a', { href: officeHref('portal/ncs', r.id), class: 'button button--small' + (r.stage === 'open' ? ' button--primary' : ''), 'data-action': 'open-nc' }, m(app, r.stage === 'open' ? 'open' : 'view')),
            },
          ],
        })
      : emptyState('portal-ncs', m(app, 'none')),
  );
};

export const portalNcView: OfficeView = async (ctx, main) => {
  const { app } = ctx;
  const id = ctx.params['id'] ?? '';
  const { data: item } = await apiFetch<Nonconformity>('GET', `/api/nonconformities/${id}`);
  const explanation = app.i18n.locale === 'en' ? item.explanation.en : item.explanation.zh;
  const facts = h(
    'section',
    { class: 'nc-card', id: 'nc-facts', 'data-stage': item.stage },
    h('h3', null, m(app, 'one', { n: item.number, clause: item.clause }), ' ', stageChip(app, item)),
    h('p', { class: 'muted' }, item.engagement_title),
    h('dl', null, h('dt', null, m(app, 'finding')), h('dd', { id: 'nc-finding' }, item.finding)),
    item.evidence.finding_count ? h('p', { class: 'hint' }, m(app, 'findingEvidence', { n: item.evidence.finding_count })) : null,
    h('p', { id: 'nc-deadlines' }, deadlineText(app, item), ' · ', daysText(app, item)),
    reminderBanner(app, item),
    h('p', { class: 'hint nc-explanation' }, explanation),
  );
  const blocks: HTMLElement[] = [facts];
  if (item.stage === 'open') blocks.push(answerForm(ctx, item));
  else blocks.push(answerShown(ctx, item));
  replace(main, pageHeader(m(app, 'title'), h('a', { href: officeHref('portal/ncs'), class: 'button button--small' }, m(app, 'back'))), ...blocks);
};

function answerShown(ctx: Parameters<OfficeView>[0], item: Nonconformity): HTMLElement {
  const { app } = ctx;
  return panel(
    { id: 'nc-answer-shown' },
    m(app, 'yourAnswer'),
    h(
      'dl',
      { class: 'nc-card' },
      h('dt', null, m(app, 'cause')),
      h('dd', null, item.cause ?? '—'),
      h('dt', null, m(app, 'correction')),
      h('dd', null, item.correction ?? '—'),
    ),
    thumbnails(item.evidence.answer),
    item.stage === 'closed'
      ? h(
          'div',
          { id: 'nc-verification' },
          h('h3', null, m(app, 'verification')),
          h('p', null, item.verification_method ? nc(app, item.verification_method) : '', ' · ', item.closed_on ?? ''),
          h('p', null, item.verification ?? ''),
          item.rejudged_label ? h('p', null, m(app, 'rejudged', { label: app.text(item.rejudged_label) })) : null,
          item.equivalent_reason ? h('p', null, m(app, 'equivalent', { reason: item.equivalent_reason })) : null,
        )
      : h('p', { class: 'success' }, m(app, 'submitted')),
  );
}

function answerForm(ctx: Parameters<OfficeView>[0], item: Nonconformity): HTMLElement {
  const { app } = ctx;
  const uploaded: string[] = [];
  const cause = textArea({ rows: 3 });
  const correction = textArea({ rows: 4 });
  const files = h('input', { type: 'file', accept: 'image/*,application/pdf', multiple: true, class: 'input', id: 'nc-files' });
  const status = h('p', { class: 'hint', id: 'nc-upload-status', 'data-uploaded': 0 }, m(app, 'uploaded', { n: 0 }));
  const previews = h('div', { class: 'nc-photos', id: 'nc-previews' });
  const error = formErrorSlot();
  let pending = Promise.resolve();
  files.addEventListener('change', () => {
    const chosen = [...(files.files ?? [])];
    files.value = '';
    pending = pending.then(async () => {
      status.textContent = m(app, 'uploading');
      for (const file of chosen) {
        try {
          uploaded.push(await uploadEvidence(file, item.id));
          if (file.type.startsWith('image/')) previews.append(h('img', { src: URL.createObjectURL(file), alt: file.name }));
        } catch (e) {
          status.textContent = nc(app, 'uploadFailed', { message: e instanceof Error ? e.message : String(e) });
          return;
        }
      }
      status.dataset['uploaded'] = String(uploaded.length);
      status.textContent = m(app, 'uploaded', { n: uploaded.length });
    });
  });
  const form = h(
    'form',
    { id: 'nc-answer-form', class: 'form' },
    error,
    item.returned_comment ? h('p', { class: 'warning', id: 'nc-returned' }, m(app, 'returned'), ' ', item.returned_comment) : null,
    field({ name: 'cause', label: m(app, 'cause') }, cause),
    field({ name: 'correction', label: m(app, 'correction'), required: true }, correction),
    field({ name: 'evidence', label: m(app, 'evidence'), hint: m(app, 'evidenceHint') }, files),
    status,
    previews,
    h('div', { class: 'toolbar' }, h('button', { type: 'submit', class: 'button button--primary', 'data-action': 'submit-answer' }, m(app, 'submit'))),
  );
  onSubmit(app, form, async () => {
    await pending;
    await apiFetch('POST', `/api/nonconformities/${item.id}/answer`, {
      json: { cause: cause.value, correction: correction.value, evidence_ids: uploaded },
    });
    form.append(savedNote(app, m(app, 'submitted')));
    ctx.go(`portal/ncs/${item.id}`);
  });
  return panel({ id: 'nc-answer' }, m(app, 'answer'), form);
}

/** The client user's home panel: nonconformities waiting for an answer, nearest deadline first. */
export const ncsPanel: OfficeView = async (ctx, slot) => {
  const { app } = ctx;
  const { data } = await apiFetch<Nonconformity[]>('GET', '/api/portal/nonconformities');
  const waiting = data.filter((r) => r.stage === 'open');
  replace(
    slot,
    panel(
      { id: 'home-ncs-to-answer', 'data-count': waiting.length },
      m(app, 'panelTitle'),
      waiting.length
        ? h(
            'ul',
            { class: 'plain-list' },
            waiting.map((r) =>
              h(
                'li',
                { 'data-nc-id': r.id },
                m(app, 'panelItem', { n: r.number, title: r.engagement_title, clause: r.clause, date: r.latest_due }),
                ' ',
                stageChip(app, r),
                ' ',
                h('a', { href: officeHref('portal/ncs', r.id), class: 'button button--primary button--small', 'data-action': 'open-nc' }, m(app, 'open')),
                reminderBanner(app, r),
              ),
            ),
          )
        : emptyState('home-ncs-to-answer', m(app, 'panelNone')),
    ),
  );
};
