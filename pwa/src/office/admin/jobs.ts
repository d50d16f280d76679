/** `#/office/jobs`: the background jobs (`fieldcert worker`): queue depth, failures, schedule. */

import { apiFetch } from '../../data/api';
import { h, replace } from '../../ui/h';
import { dataTable, dateTime, emptyState, pageHeader, panel, statusChip } from '../kit';
import { defineMessages } from '../messages';
import type { OfficeView } from '../registry';

/** `GET /api/admin/jobs` (backend/jobs/schemas.py). */
interface FailedJob {
  id: string;
  name: string;
  error: string;
  failed_at: string;
}
interface PeriodicJob {
  name: string;
  summary: string;
  minute: string;
  hour: string;
}
interface JobsStatus {
  mode: string;
  pending: number;
  scheduled: number;
  running: number;
  failed: FailedJob[];
  jobs: string[];
  periodic: PeriodicJob[];
  evidence_waiting: number;
}

const m = defineMessages(
  {
    title: '后台任务',
    refresh: '刷新',
    queue: '队列',
    pending: '等待执行',
    scheduled: '等待重试',
    running: '正在执行',
    evidenceWaiting: '等待生成预览图的照片',
    storage: '队列存储',
    failed: '失败的任务',
    noFailures: '最近没有失败的任务。',
    failedHint: '已用完重试次数。详细原因见任务进程（fieldcert worker）的日志，按任务编号查找。',
    at: '时间',
    job: '任务',
    error: '错误类型',
    id: '任务编号',
    periodic: '定时任务',
    when: '执行时间（UTC）',
    what: '内容',
    backlog: '等待执行的任务在增加时，请增加任务进程。',
    every: '每 {n} 分钟',
    figure: '项目',
    count: '数量',
    'mode.sqlite': 'SQLite 文件（单机）',
    'mode.redis': 'Redis（多台服务器共享）',
    'mode.immediate': '立即执行（仅测试）',
    'job.evidence.prune_orphans': '删除没有照片记录引用的存储文件（超过 24 小时）',
    'job.surveys.purge_contacts': '删除超过保存期限的受访者手机号（个人信息保护法第十九条）',
    'job.evidence.sweep_underived': '上传 10 分钟后仍未生成预览图的照片，重新排队生成',
    'job.nonconformities.remind': '提醒受审核方和审查组整改期限：一般期限前 3 天、最迟期限前 7 天',
    'job.jobs.relay_outbox': '补发已提交超过 30 秒仍未排队的任务（推送通知）',
    'job.files.purge_expired': '删除后台生成超过 7 天的导出文件（含受访者意见）',
    hourly: '每小时第 {n} 分',
    everyMinute: '每分钟',
  },
  {
    title: 'Background jobs',
    refresh: 'Refresh',
    queue: 'Queue',
    pending: 'Waiting',
    scheduled: 'Waiting to retry',
    running: 'Running',
    evidenceWaiting: 'Photos waiting for their previews',
    storage: 'Queue storage',
    failed: 'Failed jobs',
    noFailures: 'No job failed recently.',
    failedHint: 'Out of retries. The worker’s log (fieldcert worker) has the details: search it for the job id.',
    at: 'Time',
    job: 'Job',
    error: 'Error type',
    id: 'Job id',
    periodic: 'Periodic jobs',
    when: 'When (UTC)',
    what: 'What',
    backlog: 'If waiting jobs keep growing, run more workers.',
    every: 'every {n} minutes',
    figure: 'Item',
    count: 'Count',
    'mode.sqlite': 'SQLite file (one machine)',
    'mode.redis': 'Redis (shared by several machines)',
    'mode.immediate': 'Immediate (tests only)',
    'job.evidence.prune_orphans': 'Delete stored files no evidence record refers to (older than 24 h)',
    'job.surveys.purge_contacts': "Delete respondents' phone numbers past their keeping period (PIPL §19)",
    'job.evidence.sweep_underived': 'Queue again the renditions of uploads still waiting after 10 minutes',
    'job.nonconformities.remind': 'Remind clients and audit teams of rectification deadlines: 3 days before the typical one, 7 before the latest',
    'job.jobs.relay_outbox': 'Queue the jobs (push notifications) owed by changes committed over 30 s ago and never queued',
    'job.files.purge_expired': "Delete exports made in the background after 7 days (they hold respondents' comments)",
    hourly: 'hourly at minute {n}',
    everyMinute: 'every minute',
  },
);

type Translate = Parameters<typeof m>[0];
type Key = Parameters<typeof m>[1];

/** A crontab minute and hour as a time of day, or "every n min" for a step in minutes. */
function schedule(app: Translate, job: PeriodicJob): string {
  if (job.hour === '*' && job.minute === '*') return m(app, 'everyMinute');
  if (job.hour === '*' && job.minute.startsWith('*/')) return m(app, 'every').replace('{n}', job.minute.slice(2));
  if (job.hour === '*') return m(app, 'hourly').replace('{n}', job.minute);
  return `${job.hour.padStart(2, '0')}:${job.minute.padStart(2, '0')}`;
}


/** A text of ours for a server value we know (job names, storage modes), else the server's. */
function known(app: Translate, key: string, fallback: string): string {
  const text = m(app, key as Key);
  return text === key ? fallback : text;
}

interface Figure {
  id: string;
  label: string;
  value: number | string;
  tone: 'good' | 'warn' | 'bad' | 'neutral';
}

export const jobsView: OfficeView = async (ctx, main) => {
  const { app } = ctx;
  const show = async (): Promise<void> => {
    const { data } = await apiFetch<JobsStatus>('GET', '/api/admin/jobs');
    const refresh = h('button', { type: 'button', class: 'button', id: 'jobs-refresh', onclick: () => void show() }, m(app, 'refresh'));
    const figures: Figure[] = [
      { id: 'pending', label: m(app, 'pending'), value: data.pending, tone: data.pending > 100 ? 'warn' : 'neutral' },
      { id: 'scheduled', label: m(app, 'scheduled'), value: data.scheduled, tone: data.scheduled > 0 ? 'warn' : 'neutral' },
      { id: 'running', label: m(app, 'running'), value: data.running, tone: 'neutral' },
      { id: 'failed', label: m(app, 'failed'), value: data.failed.length, tone: data.failed.length > 0 ? 'bad' : 'good' },
      {
        id: 'evidence-waiting',
        label: m(app, 'evidenceWaiting'),
        value: data.evidence_waiting,
        tone: data.evidence_waiting > 0 ? 'warn' : 'good',
      },
      { id: 'mode', label: m(app, 'storage'), value: known(app, `mode.${data.mode}`, data.mode), tone: 'neutral' },
    ];
    const queue = panel(
      { id: 'jobs-queue' },
      m(app, 'queue'),
      dataTable<Figure>({
        id: 'jobs-figures',
        rows: figures,
        rowId: (f) => f.id,
        rowProps: (f) => ({ 'data-figure': f.id }),
        columns: [
          { key: 'figure', label: m(app, 'figure'), cell: (f) => f.label, class: 'wide' },
          { key: 'count', label: m(app, 'count'), cell: (f) => statusChip(f.id, String(f.value), f.tone), class: 'nowrap' },
        ],
      }),
      h('p', { class: 'hint' }, m(app, 'backlog')),
    );
    const failures = panel(
      { id: 'jobs-failed' },
      m(app, 'failed'),
      data.failed.length === 0
        ? emptyState('jobs-failed', m(app, 'noFailures'))
        : [
            h('p', { class: 'hint' }, m(app, 'failedHint')),
            dataTable<FailedJob>({
              id: 'jobs-failed-table',
              rows: data.failed,
              rowId: (f) => f.id,
              columns: [
                { key: 'at', label: m(app, 'at'), cell: (f) => dateTime(app, f.failed_at), class: 'nowrap' },
                { key: 'job', label: m(app, 'job'), cell: (f) => h('code', null, f.name) },
                { key: 'error', label: m(app, 'error'), cell: (f) => h('code', null, f.error) },
                { key: 'id', label: m(app, 'id'), cell: (f) => h('code', { class: 'muted' }, f.id), class: 'wide' },
              ],
            }),
          ],
    );
    const periodic = panel(
      { id: 'jobs-periodic' },
      m(app, 'periodic'),
      dataTable<PeriodicJob>({
        id: 'jobs-periodic-table',
        rows: data.periodic,
        rowId: (p) => p.name,
        columns: [
          { key: 'job', label: m(app, 'job'), cell: (p) => h('code', null, p.name), class: 'nowrap' },
          { key: 'when', label: m(app, 'when'), cell: (p) => schedule(app, p), class: 'nowrap' },
          { key: 'what', label: m(app, 'what'), cell: (p) => known(app, `job.${p.name}`, p.summary), class: 'wide' },
        ],
      }),
    );
    replace(main, pageHeader(m(app, 'title'), refresh), queue, failures, periodic);
  };
  await show();
};
