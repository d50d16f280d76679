import { describe, expect, it } from 'vitest';
import { appUrlFor, notificationPlan, parsePushPayload } from '../../src/shared/notification';

// As backend/push/services.py message() builds them.
const returned = JSON.stringify({
  type: 'evaluation.returned',
  title: { 'zh-CN': '评价被退回', en: 'Evaluation returned' },
  body: { 'zh-CN': '请查看审核意见，修改后重新提交。', en: 'Read the comments, correct and resubmit.' },
  url: '/#evaluations/e1',
  data: { evaluation_id: 'e1' },
});

describe('push notifications', () => {
  it('shows the message in the app language and opens the right route', () => {
    const p = parsePushPayload(returned);
    expect(p).not.toBeNull();
    expect(notificationPlan(p!, 'zh-CN')).toEqual({ title: '评价被退回', body: '请查看审核意见，修改后重新提交。', url: '/#/visit/e1', tag: 'evaluation.returned:e1' });
    expect(notificationPlan(p!, 'en').title).toBe('Evaluation returned');
  });
  it('maps each server message type to an app route', () => {
    const base = { title: {}, body: {} };
    expect(appUrlFor({ ...base, type: 'evaluation.submitted', url: '/#evaluations/e2', data: { evaluation_id: 'e2', engagement_id: 'g' } })).toBe('/#/review/e2');
    expect(appUrlFor({ ...base, type: 'assignment.created', url: '/#assignments/a1', data: { assignment_id: 'a1' } })).toBe('/#/assignments/a1');
    expect(appUrlFor({ ...base, type: 'test', url: '/', data: {} })).toBe('/');
    expect(appUrlFor({ ...base, type: 'later', url: '/#evaluations/e3', data: {} })).toBe('/#/review/e3');
    // Never another origin.
    expect(appUrlFor({ ...base, type: 'x', url: 'https://evil.example/', data: {} })).toBe('/');
    expect(appUrlFor({ ...base, type: 'x', url: '//evil.example/', data: {} })).toBe('/');
  });
  it('survives payloads that are not ours', () => {
    expect(parsePushPayload(null)).toBeNull();
    expect(parsePushPayload('not json')).toBeNull();
    const plan = notificationPlan(parsePushPayload('{"title": "plain"}')!, 'en');
    expect(plan).toMatchObject({ title: 'plain', url: '/' });
  });
});
