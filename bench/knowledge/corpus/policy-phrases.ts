import type { PolicyPhrases } from './policies.ts';
import { ENTITIES_EN, POLICY_KINDS_EN } from './policy-kinds-en.ts';
import { ENTITIES_ZH, POLICY_KINDS_ZH } from './policy-kinds-zh.ts';
import { list, spaceCjk } from './text.ts';

export const POLICY_PHRASES_EN: PolicyPhrases = {
  language: 'en',
  kinds: POLICY_KINDS_EN,
  entities: ENTITIES_EN,
  join: ' ',
  person: (ids) => ids.personEn(),
  money: (entity, amount) => `${entity.currency} ${amount.toLocaleString('en-US')}`,
  header: (policyId, effective, owner) => `Policy ID: ${policyId} · Effective ${effective} · ${owner}`,
  ownerText: (name, owner) => `Policy owner: ${name} (${owner})`,
  headings: ['Purpose', 'Scope', 'Policy statements', 'Exceptions', 'Responsibilities', 'Contacts'],
  scope: (entity) =>
    `This policy applies to all employees, interns and contractors of ${entity.full} in ${entity.label}. Where local law is stricter, local law prevails.`,
  exceptions: list(
    'Exceptions need written approval from the policy owner and are reviewed every year.|Exceptions are requested through the service portal and expire after twelve months.|Any exception is recorded with its reason, approver and end date.',
  ),
  responsibilities: list(
    'Managers make sure their teams know this policy.|Employees raise questions with the policy owner.|Internal Audit checks compliance once a year.|The policy owner reviews this document every two years.',
  ),
  contact: (name, entity, extension, review) =>
    `Questions about this policy go to ${name} in the ${entity.city} office, extension ${extension}. The next review is due on ${review}.`,
  ownerQuery: (policyId) => `${policyId} owner`,
};

export const POLICY_PHRASES_ZH: PolicyPhrases = {
  language: 'zh',
  kinds: POLICY_KINDS_ZH,
  entities: ENTITIES_ZH,
  join: '',
  person: (ids) => ids.personZh(),
  money: (_entity, amount) => `${amount} 元`,
  header: (policyId, effective, owner) => `制度编号：${policyId} · 生效日期 ${effective} · ${owner}`,
  ownerText: (name, owner) => `制度负责人：${name}（${owner}）`,
  headings: ['目的', '适用范围', '制度条款', '例外情况', '职责', '联系方式'],
  scope: (entity) =>
    spaceCjk(
      `本制度适用于${entity.full}（${entity.label}）的全体员工、实习生和外包人员。地方法规更严格的，从其规定。`,
    ),
  exceptions: list(
    '例外情况须经制度负责人书面批准，并每年复核。|例外申请通过服务门户提交，有效期十二个月。|所有例外均须记录原因、审批人和截止日期。',
  ),
  responsibilities: list(
    '各级经理负责让团队了解本制度。|员工如有疑问可咨询制度负责人。|内部审计每年检查一次执行情况。|制度负责人每两年修订一次本制度。',
  ),
  contact: (name, entity, extension, review) =>
    `如对本制度有疑问，请联系${entity.city}办公室的${name}（分机 ${extension}）。本制度下次评审日期为 ${review}。`,
  ownerQuery: (policyId) => `${policyId} 的负责人是谁`,
};
