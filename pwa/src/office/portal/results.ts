/** My engagement's scores from accepted evaluations (§5.1.2: the mean of per-evaluation scores). */

import { apiFetch } from '../../data/api';
import { h, replace } from '../../ui/h';
import { dataTable, pageHeader, panel } from '../kit';
import { defineMessages } from '../messages';
import type { OfficeView } from '../registry';
import { score, type Scores } from './api';

const m = defineMessages(
  {
    title: '评价结果',
    overall: '服务得分：{score}（已确认评价 {n} 份，顾客调查 {answers} 份）',
    perSite: '各场所得分',
    perCharacteristic: '各服务特性得分',
    site: '场所',
    characteristic: '服务特性',
    score: '得分',
    counted: '评价数',
  },
  {
    title: 'Results',
    overall: 'Service score: {score} ({n} accepted evaluations, {answers} survey answers)',
    perSite: 'Per site',
    perCharacteristic: 'Per service characteristic',
    site: 'Site',
    characteristic: 'Characteristic',
    score: 'Score',
    counted: 'Evaluations',
  },
);

export const portalResultsView: OfficeView = async (ctx, main) => {
  const { app } = ctx;
  const { data: s } = await apiFetch<Scores>('GET', `/api/engagements/${ctx.params['id'] ?? ''}/scores`);
  replace(
    main,
    pageHeader(m(app, 'title')),
    h('p', { id: 'portal-overall', 'data-score': s.overall.exact ?? '' }, m(app, 'overall', { score: score(s.overall.score), n: s.accepted_evaluations, answers: s.survey_answers })),
    panel(
      { id: 'portal-per-site' },
      m(app, 'perSite'),
      dataTable({
        id: 'portal-site-scores',
        rows: s.per_site,
        rowId: (r) => r.site_id,
        columns: [
          { key: 'site', label: m(app, 'site'), cell: (r) => r.site_name, class: 'wide' },
          { key: 'counted', label: m(app, 'counted'), cell: (r) => r.evaluations_counted, class: 'num' },
          { key: 'score', label: m(app, 'score'), cell: (r) => score(r.score), class: 'num' },
        ],
      }),
    ),
    panel(
      { id: 'portal-per-characteristic' },
      m(app, 'perCharacteristic'),
      dataTable({
        id: 'portal-characteristic-scores',
        rows: s.per_characteristic,
        rowId: (r) => r.code,
        columns: [
          { key: 'characteristic', label: m(app, 'characteristic'), cell: (r) => `${r.code} ${app.text(r.title)}`, class: 'wide' },
          { key: 'score', label: m(app, 'score'), cell: (r) => score(r.score), class: 'num' },
        ],
      }),
    ),
  );
};
