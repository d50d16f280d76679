/** Names of the planning values (the server's values are the keys), zh-CN first. */

import { defineMessages } from '../messages';

export const docTypeLabel = defineMessages(
  {
    application_form: '申请书',
    registration_proof: '注册证明',
    security_filing: '信息系统安全等级保护备案证明',
    software_test_report: '软件测试报告',
    other_certificate: '其他认证证书',
    authenticity_declaration: '申报材料真实性声明',
    other: '其他材料',
  },
  {
    application_form: 'Application form',
    registration_proof: 'Registration proof',
    security_filing: 'Information security protection filing',
    software_test_report: 'Software test report',
    other_certificate: 'Other certificates',
    authenticity_declaration: 'Declaration of authenticity',
    other: 'Other',
  },
);

export const DOC_TYPES = [
  'application_form',
  'registration_proof',
  'security_filing',
  'software_test_report',
  'other_certificate',
  'authenticity_declaration',
  'other',
] as const;

export const reasonLabel = defineMessages(
  {
    scope_not_covered: '注册证明材料中经营范围未覆盖所申请的认证单元，或法律证明材料缺失',
    serious_penalty: '近一年内存在严重行政处罚，达到证书暂停条件',
    serious_dishonesty: '列入国家信用信息严重失信主体相关名录',
    other: '其他情形',
  },
  {
    scope_not_covered: 'The registered business scope does not cover the units applied for, or legal proof is missing',
    serious_penalty: 'A serious administrative penalty in the past year, reaching the suspension threshold',
    serious_dishonesty: 'Listed as a seriously dishonest entity in the national credit records',
    other: 'Other situation',
  },
);

export const REASONS = ['scope_not_covered', 'serious_penalty', 'serious_dishonesty', 'other'] as const;

export const outcomeLabel = defineMessages(
  {
    fit: '符合要求，可进行现场审查',
    fix_during_audit: '存在问题，需补充完善，可在现场审查时提交整改证据',
    resubmit: '严重不符合要求，需整改并再次提交',
  },
  {
    fit: 'Fit for the on-site audit',
    fix_during_audit: 'Problems to complete; evidence may come at the on-site audit',
    resubmit: 'Seriously deficient: fix and resubmit',
  },
);

export const OUTCOMES = ['fit', 'fix_during_audit', 'resubmit'] as const;

export const applicationStatusLabel = defineMessages(
  { submitted: '待评审', accepted: '已受理', not_accepted: '不予受理' },
  { submitted: 'To review', accepted: 'Accepted', not_accepted: 'Not accepted' },
);

export const planStatusLabel = defineMessages(
  { draft: '草稿', issued: '待委托方确认', confirmed: '委托方已确认' },
  { draft: 'Draft', issued: 'Awaiting confirmation', confirmed: 'Confirmed by the client' },
);

export const teamRoleLabel = defineMessages({ leader: '审查组长', auditor: '审查员' }, { leader: 'Team leader', auditor: 'Auditor' });

/** A label function called with a value it may not know: the value itself then. */
export function known<K extends string>(label: (app: { i18n: { locale: string } }, key: K) => string, keys: readonly string[]) {
  return (app: { i18n: { locale: string } }, value: string): string => (keys.includes(value) ? label(app, value as K) : value);
}
