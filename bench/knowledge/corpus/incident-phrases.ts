import {
  CITIES_EN,
  CVES,
  INCIDENT_KINDS_EN,
  MALWARE_EN,
  RANSOMWARE_EN,
  SECOND_HOSTS_EN,
  SYSTEMS_EN,
} from './incident-kinds-en.ts';
import { CITIES_ZH, INCIDENT_KINDS_ZH, SECOND_HOSTS_ZH, SYSTEMS_ZH } from './incident-kinds-zh.ts';
import type { IncidentPhrases } from './incidents.ts';
import type { Random } from './random.ts';
import { list, spaceCjk } from './text.ts';

const DOMAIN_WORDS = list(
  'secure|login|portal|verify|account|update|docs|share|sso|auth|mail|pay|benefits|invoice|hr',
);
const TLDS = list('com|net|info|top|xyz|online');
const EDRS = list('CrowdStrike Falcon|Microsoft Defender for Endpoint|SentinelOne');
const SIEMS = list('Splunk|Microsoft Sentinel|QRadar|Elastic Security');

const domain = (random: Random) =>
  `${random.sample(DOMAIN_WORDS, random.int(2, 3)).join('-')}.${random.pick(TLDS)}`;

export const INCIDENT_PHRASES_EN: IncidentPhrases = {
  language: 'en',
  kinds: INCIDENT_KINDS_EN,
  cities: CITIES_EN,
  systems: SYSTEMS_EN,
  secondHosts: SECOND_HOSTS_EN,
  malware: MALWARE_EN,
  ransomware: RANSOMWARE_EN,
  cves: CVES,
  edrs: EDRS,
  siems: SIEMS,
  lessons: list(
    'Detection worked, but the hand-over between Tier 1 and Tier 2 took longer than the runbook allows.|The asset inventory was wrong about the owner of the first host, which cost an hour.|Containment by EDR was quick and should become the default first step.|The bridge call had too many participants; the incident commander should limit it to the responders.|Evidence was collected before cleanup, which made the review much easier.',
  ),
  person: (ids) => ids.personEn(),
  service: (city, system) => `${city} ${system}`,
  number: (value) => value.toLocaleString('en-US'),
  domain,
  reportTitle: (id, title) => `Incident Report ${id}: ${title}`,
  fields: ['Severity', 'Status', 'Detected', 'Resolved', 'Incident commander'],
  closed: 'Closed',
  headings: [
    'Summary',
    'Affected systems',
    'Timeline',
    'Root cause',
    'Impact',
    'Remediation and follow-up',
    'Lessons learned',
  ],
  hostLine: (host, role, ip) => `${host} (${role}, ${ip})`,
  workstationOf: (account) => `workstation of ${account}`,
  sameSystem: 'the system',
  join: ' ',
  timelineLine: (time, event) => `${time} UTC — ${event}`,
  rootById: (id, cause) => `The post-incident review for ${id} found that ${cause}.`,
  rootByService: (service, noun, cause) => `The ${service} ${noun} happened because ${cause}.`,
  contributing: (cause) => `A contributing factor: ${cause}.`,
  recurrence: (host, previousId, date) =>
    `${host} had already been involved in ${previousId} on ${date}; the earlier fix had not been applied everywhere.`,
  action: (change, action) => `${change}: ${action}.`,
  actionTail: (owner, due) => `Owner: ${owner}, due ${due}.`,
  queries: {
    rootById: (id) => `${id} root cause`,
    keywordRoot: (service, keyword) => `${service} ${keyword} root cause`,
    host: (host, keyword) => `what happened on ${host} during the ${keyword} incident`,
    affected: (host) => `which incident affected ${host}`,
    external: (ip) => `which incident involved ${ip}`,
    change: (change) => `what is change ${change} for`,
    involving: (host) => `incidents involving ${host}`,
  },
};

export const INCIDENT_PHRASES_ZH: IncidentPhrases = {
  language: 'zh',
  kinds: INCIDENT_KINDS_ZH,
  cities: CITIES_ZH,
  systems: SYSTEMS_ZH,
  secondHosts: SECOND_HOSTS_ZH,
  malware: MALWARE_EN,
  ransomware: RANSOMWARE_EN,
  cves: CVES,
  edrs: list('奇安信天擎|CrowdStrike Falcon|微软 Defender'),
  siems: list('Splunk|安恒 SOC 平台|Elastic Security'),
  lessons: list(
    '检测及时，但一线到二线的交接超过了预案规定的时间。|资产台账中首台主机的负责人信息有误，耽误了一个小时。|用 EDR 隔离主机既快又有效，应作为默认的第一步。|应急会议参会人数过多，事件指挥官应只保留处置人员。|清理之前先保全了证据，复盘因此顺利很多。',
  ),
  person: (ids) => ids.personZh(),
  service: (city, system) => spaceCjk(`${city}${system}`),
  number: (value) => String(value),
  domain,
  reportTitle: (id, title) => `事件报告 ${id}：${title}`,
  fields: ['严重级别', '状态', '发现时间', '解决时间', '事件指挥官'],
  closed: '已关闭',
  headings: ['概述', '受影响系统', '时间线', '根本原因', '影响', '整改措施', '经验教训'],
  hostLine: (host, role, ip) => `${host}（${role}，${ip}）`,
  workstationOf: (account) => `${account} 的办公终端`,
  sameSystem: '该系统',
  join: '',
  timelineLine: (time, event) => `${time} UTC：${event}`,
  rootById: (id, cause) => spaceCjk(`${id} 的事后复盘确认，根本原因是${cause}。`),
  rootByService: (service, noun, cause) => spaceCjk(`此次${service}${noun}的原因是${cause}。`),
  contributing: (cause) => spaceCjk(`次要原因：${cause}。`),
  recurrence: (host, previousId, date) =>
    `${host} 曾在 ${date} 的 ${previousId} 中出现过，上次的整改没有全部落实。`,
  action: (change, action) => spaceCjk(`${change}：${action}。`),
  actionTail: (owner, due) => `负责人：${owner}，截止日期 ${due}。`,
  queries: {
    rootById: (id) => `${id} 的根本原因是什么`,
    keywordRoot: (service, keyword) => `${service} ${keyword} 根本原因`,
    host: (host, keyword) => `${host} 在${keyword}事件中发生了什么`,
    affected: (host) => `哪个事件影响了 ${host}`,
    external: (ip) => `哪个事件涉及 ${ip}`,
    change: (change) => `变更 ${change} 是做什么的`,
    involving: (host) => `涉及 ${host} 的事件有哪些`,
  },
};
