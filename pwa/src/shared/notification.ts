/**
 * Push messages as the server sends them (backend/push/services.py `message()`), and what the
 * service worker shows and opens for each. Pure, so it is tested in Node.
 */

export type Lang = 'zh-CN' | 'en';

/** `{"type", "title": {"zh-CN", "en"}, "body": {...}, "url", "data": {...}}`. */
export interface PushPayload {
  type: string;
  title: Record<string, string>;
  body: Record<string, string>;
  url: string;
  data: Record<string, string>;
}

export interface NotificationPlan {
  title: string;
  body: string;
  /** The app URL a click opens: always a same-origin path with a hash route. */
  url: string;
  /** One notification per subject: a second push about the same visit replaces the first. */
  tag: string;
}

const FALLBACK_TITLE: Record<Lang, string> = { 'zh-CN': 'fieldcert', en: 'fieldcert' };

export function parsePushPayload(text: string | null): PushPayload | null {
  if (text === null || text === '') return null;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  const r = raw as Record<string, unknown>;
  const texts = (v: unknown): Record<string, string> => {
    const out: Record<string, string> = {};
    if (typeof v === 'string') {
      out['zh-CN'] = v;
      out['en'] = v;
    } else if (typeof v === 'object' && v !== null) {
      for (const [k, s] of Object.entries(v)) if (typeof s === 'string') out[k] = s;
    }
    return out;
  };
  return {
    type: typeof r['type'] === 'string' ? r['type'] : 'unknown',
    title: texts(r['title']),
    body: texts(r['body']),
    url: typeof r['url'] === 'string' ? r['url'] : '/',
    data: texts(r['data']),
  };
}

/**
 * The app route for a message. The server names its subjects (`/#assignments/<id>`,
 * `/#evaluations/<id>`); the app's routes are `#/assignments/<id>`, `#/visit/<draftId>` (a
 * visit's draft id is its evaluation id) and `#/review/<id>`, so the type decides where an
 * evaluation opens: the evaluator corrects a returned one, a team leader reviews a submitted one.
 */
export function appUrlFor(p: PushPayload): string {
  const evaluationId = p.data['evaluation_id'];
  const assignmentId = p.data['assignment_id'];
  if (p.type === 'evaluation.returned' && evaluationId) return `/#/visit/${evaluationId}`;
  if (p.type === 'evaluation.submitted' && evaluationId) return `/#/review/${evaluationId}`;
  if (p.type === 'assignment.created' && assignmentId) return `/#/assignments/${assignmentId}`;
  // Anything else: the server's URL if it is one of ours, rewritten to the app's hash routes.
  const m = /^\/#\/?(assignments|evaluations|review|visit)\/([0-9A-Za-z-]+)$/.exec(p.url);
  if (m) {
    const route = m[1] === 'evaluations' ? 'review' : m[1];
    return `/#/${route}/${m[2]}`;
  }
  return /^\/(?!\/)/.test(p.url) ? p.url : '/';
}

export function notificationPlan(p: PushPayload, lang: Lang): NotificationPlan {
  const pick = (t: Record<string, string>): string => t[lang] ?? t['zh-CN'] ?? t['en'] ?? '';
  const subject = p.data['evaluation_id'] ?? p.data['assignment_id'] ?? '';
  return {
    title: pick(p.title) || FALLBACK_TITLE[lang],
    body: pick(p.body),
    url: appUrlFor(p),
    tag: subject ? `${p.type}:${subject}` : p.type,
  };
}
