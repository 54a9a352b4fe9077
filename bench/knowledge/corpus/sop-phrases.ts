import { APPROVERS_EN, SCOPES_EN, SOP_TOPICS_EN } from './sop-topics-en.ts';
import { APPROVERS_ZH, SCOPES_ZH, SOP_TOPICS_ZH } from './sop-topics-zh.ts';
import type { SopPhrases } from './sops.ts';
import { list, spaceCjk } from './text.ts';

export const SOP_PHRASES_EN: SopPhrases = {
  language: 'en',
  topics: SOP_TOPICS_EN,
  scopes: SCOPES_EN,
  approvers: APPROVERS_EN,
  teams: list(
    'Incident Response|SOC Tier 2|Detection Engineering|Security Operations|Cyber Defence Centre|Threat Response',
  ),
  tools: list('Velociraptor|WinPmem|Magnet RAM Capture|AVML'),
  vaults: list('Veeam hardened repository|Rubrik|Cohesity|AWS Backup Vault Lock|Commvault air-gap'),
  imagingTeams: list('Deskside Support|End User Computing|Field Services|Workplace Technology'),
  stores: list(
    'the Splunk archive tier|the SIEM cold store|the log lake with object lock|Azure immutable blob storage',
  ),
  periods: list('30 days|90 days|180 days|13 months|400 days|18 months|two years|three years|five years'),
  headings: {
    purpose: list('Purpose and scope|Purpose|Scope and objectives'),
    triage: list('Detection and triage|Triggers|When to use this runbook'),
    escalation: list('Escalation|Severity and escalation|Escalation thresholds'),
    containment: list('Containment|Immediate actions|Containment steps'),
    recovery: list('Eradication and recovery|Recovery|Clean-up and recovery'),
    evidence: list('Evidence and retention|Records and evidence|Evidence handling'),
    communication: list('Communication|Notifications and contacts|Who to inform'),
    systems: list('Tools|Tools and queues|Systems used'),
    roles: list('Roles|Roles and responsibilities|Who does what'),
    history: list('Revision history|Change log|Document history'),
  },
  generic: {
    triage: list(
      'Tier 1 classifies the alert with the severity matrix before any containment.|Every trigger opens a ticket in the incident queue, even when it turns out to be benign.|Analysts record the first observed indicator and its source in the ticket.',
    ),
    escalation: list(
      'When in doubt, escalate: a downgrade costs less than a late escalation.|The incident commander may raise the severity at any time.|Severity follows the matrix in the incident management standard.',
    ),
    containment: list(
      'Containment actions are logged in the ticket with the time and the analyst who took them.|Business owners are told before a production system is taken offline unless that would delay containment.|No containment step waits for a root cause.',
    ),
    recovery: list(
      'Recovery is complete only when monitoring shows no sign of the attacker for 72 hours.|A post-incident review is scheduled within ten working days.|Systems return to production only with the approval of their business owner.',
    ),
    communication: list(
      'External statements are made only by Corporate Communications.|Staff outside the response team are told on a need-to-know basis.|Status updates go to the stakeholder list every four hours while the incident is open.',
    ),
  },
  changes: list(
    'Annual review|New escalation thresholds|Tooling update|Contacts updated|Aligned with the incident standard',
  ),
  person: (ids) => ids.personEn(),
  join: ' ',
  header: (docId, version, owner, reviewed) =>
    `Document ID: ${docId} · Version ${version} · ${owner} · Last reviewed ${reviewed}`,
  ownerText: (name, team) => `Owner: ${name} (${team})`,
  appliesTo: (purpose, scope) =>
    `${purpose} It applies to ${scope.unit} and to contractors who work on its systems.`,
  retention: (scope, log, period, store, variant) =>
    variant
      ? `${scope.label} ${log} are retained for ${period} in ${store}.`
      : `For ${scope.unit}, ${log} are kept for ${period} in ${store} and then deleted automatically.`,
  evidenceTail: 'Forensic images and memory captures go to the evidence vault with restricted access.',
  channel: (topic, scope) => `#ir-${topic.slug.split('-')[0]}-${scope.slug}`,
  channelText: (channel) => `Live coordination happens in the Slack channel ${channel}.`,
  roles: (commander, owner) => [
    `Incident commander on rotation: ${commander}`,
    `Document owner: ${owner}`,
    'Tier 1: triage, ticket and first containment',
  ],
  systems: (scope, queue, extension) => [
    `EDR: ${scope.edr}`,
    `SIEM: ${scope.siem}`,
    `Ticket queue: ${queue}`,
    `Duty phone extension: ${extension}`,
  ],
  systemsOptional: true,
  historyHeader: ['Version', 'Date', 'Change'],
  firstVersion: 'First version',
  queries: {
    retentionAsked: (scope, asked) => `how long do we keep ${asked} for ${scope.label}`,
    retentionKeyword: (scope, log) => `${scope.label} ${log} retention`,
    channel: (scope, topic) => `${scope.label} ${topic.keyword} slack channel`,
    owner: (docId) => `${docId} owner`,
  },
};

export const SOP_PHRASES_ZH: SopPhrases = {
  language: 'zh',
  topics: SOP_TOPICS_ZH,
  scopes: SCOPES_ZH,
  approvers: APPROVERS_ZH,
  teams: list('安全运营中心|应急响应组|检测工程组|网络安全部|威胁响应组'),
  tools: list('Velociraptor|WinPmem|Magnet RAM Capture'),
  vaults: list('Veeam 加固存储库|异地磁带库|对象锁定存储桶|离线备份一体机'),
  imagingTeams: list('桌面支持组|终端运维组|现场服务组'),
  stores: list('Splunk 归档层|SIEM 冷存储|带对象锁定的日志湖|异地不可篡改存储'),
  periods: list('30 天|90 天|180 天|13 个月|400 天|18 个月|2 年|3 年|5 年'),
  headings: {
    purpose: list('目的和适用范围|目的|适用范围'),
    triage: list('发现与研判|触发条件|告警研判'),
    escalation: list('升级|定级与升级|升级标准'),
    containment: list('遏制措施|紧急处置|遏制'),
    recovery: list('根除与恢复|恢复|清理与恢复'),
    evidence: list('证据与留存|记录与证据|证据保全'),
    communication: list('沟通|通知与联系人|通报对象'),
    systems: list('工具与队列|使用的系统|工具'),
    roles: list('角色|角色与职责|分工'),
    history: list('修订记录|变更记录|文档历史'),
  },
  generic: {
    triage: list(
      '一线分析师在采取遏制措施前先按定级矩阵确定级别。|每个触发条件都要在事件队列中建单，即使最终判定为误报。|分析师在工单中记录最先发现的指标及其来源。',
    ),
    escalation: list(
      '拿不准时就升级：降级的代价远小于升级不及时。|事件指挥官可以随时提高事件级别。|定级以事件管理标准中的矩阵为准。',
    ),
    containment: list(
      '所有遏制操作都要在工单中记录时间和执行人。|生产系统下线前须告知业务负责人，除非这样会延误遏制。|遏制措施不等待根因结论。',
    ),
    recovery: list(
      '监控连续 72 小时未发现攻击者活动才算恢复完成。|事件结束后十个工作日内组织复盘。|系统须经业务负责人同意才能回到生产。',
    ),
    communication: list(
      '对外口径只能由品牌公关部发布。|响应团队以外的人员按需知情。|事件处置期间每四小时向相关方通报一次进展。',
    ),
  },
  changes: list('年度评审|更新升级阈值|工具更新|更新联系人'),
  person: (ids) => ids.personZh(),
  join: '',
  header: (docId, version, owner, reviewed) =>
    spaceCjk(`文档编号：${docId} · 版本 ${version} · ${owner} · 最近评审 ${reviewed}`),
  ownerText: (name, team) => `负责人：${name}（${team}）`,
  appliesTo: (purpose, scope) => spaceCjk(`${purpose}本规程适用于${scope.unit}及在其系统上工作的外包人员。`),
  retention: (scope, log, period, store, variant) =>
    spaceCjk(
      variant
        ? `${scope.label}的${log}保存${period}，存放在${store}。`
        : `${scope.label}的${log}在${store}中保留${period}，到期自动删除。`,
    ),
  evidenceTail: '取证镜像和内存文件存入访问受限的证据库。',
  channel: (topic, scope) => `#ir-${topic.slug.split('-')[0]}-${scope.slug}-cn`,
  channelText: (channel) => `现场协同在 Slack 频道 ${channel} 中进行。`,
  roles: (commander, owner) => [
    `轮值事件指挥官：${commander}`,
    `文档负责人：${owner}`,
    '一线：研判、建单和初步遏制',
  ],
  systems: (scope, queue, extension) => [
    `终端检测与响应：${scope.edr}`,
    `安全信息与事件管理：${scope.siem}`,
    `工单队列：${queue}`,
    `值班电话分机：${extension}`,
  ],
  systemsOptional: false,
  historyHeader: ['版本', '日期', '变更'],
  firstVersion: '首次发布',
  queries: {
    retentionAsked: (scope, asked) => spaceCjk(`${scope.label}的${asked}保存多久`),
    retentionKeyword: (scope, log) => `${scope.label} ${log} 保存期限`,
    channel: (scope, topic) => `${scope.label} ${topic.keyword} 协同频道`,
    owner: (docId) => `${docId} 的负责人是谁`,
  },
};
