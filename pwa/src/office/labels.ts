/** Names of roles and statuses the office screens show (the server's values are the keys). */

import { defineMessages } from './messages';

export const ROLES = ['admin', 'scheme_manager', 'team_leader', 'auditor', 'reviewer', 'shopper', 'client_user'] as const;

export const roleLabel = defineMessages(
  {
    admin: '管理员',
    scheme_manager: '方案管理员',
    team_leader: '审查组长',
    auditor: '审查员',
    reviewer: '复核人',
    shopper: '神秘顾客',
    client_user: '委托方用户',
  },
  {
    admin: 'Administrator',
    scheme_manager: 'Scheme manager',
    team_leader: 'Team leader',
    auditor: 'Auditor',
    reviewer: 'Reviewer',
    shopper: 'Mystery shopper',
    client_user: 'Client user',
  },
);

export function isRole(value: string): value is (typeof ROLES)[number] {
  return (ROLES as readonly string[]).includes(value);
}

export const engagementStatusLabel = defineMessages(
  {
    planned: '已计划',
    fieldwork: '现场实施中',
    review: '复核中',
    decided: '已作出认证决定',
    closed: '已结束',
  },
  {
    planned: 'Planned',
    fieldwork: 'Fieldwork',
    review: 'In review',
    decided: 'Decided',
    closed: 'Closed',
  },
);

export const engagementKindLabel = defineMessages(
  { initial: '初次认证', surveillance: '监督审查', recertification: '再认证' },
  { initial: 'Initial certification', surveillance: 'Surveillance', recertification: 'Recertification' },
);
