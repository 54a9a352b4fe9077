import type { IncidentKind, SystemSpec } from './incident-types.ts';

export const CITIES_EN: Record<string, string> = {
  fra: 'Frankfurt',
  ams: 'Amsterdam',
  lon: 'London',
  nyc: 'New York',
  sgp: 'Singapore',
  tok: 'Tokyo',
  sao: 'São Paulo',
  dub: 'Dublin',
  mad: 'Madrid',
  chi: 'Chicago',
  sea: 'Seattle',
  syd: 'Sydney',
};

export const SYSTEMS_EN: SystemSpec[] = [
  ['payroll portal', 'app', 'payroll application server', true],
  ['customer loyalty app', 'api', 'loyalty API server', true],
  ['warehouse scanning system', 'app', 'scanner backend', false],
  ['SWIFT gateway', 'app', 'SWIFT messaging server', false],
  ['HR self-service portal', 'web', 'HR portal web server', true],
  ['claims processing API', 'api', 'claims API node', true],
  ['point-of-sale network', 'pos', 'store POS controller', false],
  ['document management system', 'fs', 'document store', false],
  ['partner extranet', 'web', 'extranet web server', true],
  ['trading analytics cluster', 'k8s', 'analytics cluster node', false],
  ['build farm', 'ci', 'build agent', false],
  ['customer support CRM', 'app', 'CRM application server', false],
  ['invoice archive', 'fs', 'archive file server', false],
  ['e-commerce checkout', 'web', 'checkout web node', true],
  ['ERP finance module', 'erp', 'ERP application server', false],
  ['source code platform', 'git', 'Git server', false],
  ['plant SCADA network', 'scada', 'SCADA historian', false],
  ['mail relay service', 'mail', 'mail relay', false],
];

export const SECOND_HOSTS_EN: Record<string, string> = {
  db: 'database server',
  dc: 'domain controller',
  fs: 'file server',
  sql: 'SQL server',
  bkp: 'backup server',
};

export const MALWARE_EN = [
  'Lumma Stealer',
  'QakBot',
  'IcedID',
  'AsyncRAT',
  'SocGholish',
  'XMRig miner',
  'Latrodectus',
];
export const RANSOMWARE_EN = ['LockBit 3.0', 'BlackCat', 'Akira', 'Play', 'Black Basta', 'Medusa'];
export const CVES = [
  'CVE-2023-4966',
  'CVE-2023-22515',
  'CVE-2024-3400',
  'CVE-2023-34362',
  'CVE-2021-44228',
  'CVE-2023-46805',
  'CVE-2024-1709',
  'CVE-2023-20198',
];

export const INCIDENT_KINDS_EN: IncidentKind[] = [
  {
    topic: 'phishing-response',
    keyword: 'phishing',
    noun: 'account takeover',
    titles: [
      'Credential phishing against {service} users',
      'Phishing email led to mailbox takeover ({service})',
    ],
    summary: [
      'A phishing email imitating a {service} password expiry notice reached {n} employees. {person} entered credentials on {domain}, and the attacker signed in from {ext} shortly afterwards.',
      'Employees using the {service} received a fake shared-document notification linking to {domain}. One account, {user}, was taken over and used to send further lures internally.',
    ],
    timeline: [
      'Phishing message delivered to {n} mailboxes from a sender on {domain}.',
      'User {user} reports the message; Tier 1 opens the ticket and finds a click from {ws}.',
      'Sign-in to the mailbox of {user} from {ext} confirmed in the identity provider logs.',
      'Sessions of {user} revoked and password reset; inbox forwarding rule removed.',
      'All copies of the message purged; {domain} blocked on the mail gateway and proxy.',
    ],
    rootCauses: [
      'the lure domain {domain} was four days old and not yet on any block list, and the account of {user} had no phishing-resistant MFA',
      'the mail gateway did not sandbox links in messages from first-time senders',
      'the user approved an MFA push that the attacker triggered right after capturing the password',
      'legacy authentication was still allowed for the mailbox, so the stolen password worked without MFA',
    ],
    impacts: [
      [
        'The {service} mailbox of {user} was accessed for {minutes} minutes; {records} internal messages were readable to the attacker.',
        'how long was the hijacked {service} mailbox in the attacker hands',
      ],
      [
        'No data from the {service} left the company, but {n} staff had to reset their passwords.',
        'how many people changed their password after the {service} phishing',
      ],
    ],
    actions: [
      'Enforce number matching for MFA pushes',
      'Block sign-ins with legacy authentication for all mailboxes',
      'Enable time-of-click sandboxing for links from first-time senders',
      'Add the lure to the awareness training library',
    ],
    rootQuery: 'how did the attacker get into {service} accounts',
  },
  {
    topic: 'ransomware-response',
    keyword: 'ransomware',
    noun: 'outage',
    titles: ['{family} ransomware encrypted the {service}', 'Ransomware outbreak affecting the {service}'],
    summary: [
      '{family} ransomware encrypted file shares and application servers of the {service}. Initial access came through {cve} on an internet-facing system, and {host2} was used to push the payload.',
      'Ransomware of the {family} family spread from {host} to {n} servers supporting the {service} before {edr} containment stopped it.',
    ],
    timeline: [
      'Initial access on {host} through {cve}; a web shell is planted.',
      '{edr} alerts on mass file renames on {host2}; Tier 1 escalates to the incident commander.',
      'Affected hosts isolated; SMB blocked between server VLANs at the core firewall.',
      'Ransom note naming {family} found on shares; backups confirmed intact.',
      'Restore of the {service} from immutable backups starts.',
      'Service restored and monitoring raised for 14 days.',
    ],
    rootCauses: [
      '{host} was missing the patch for {cve} for 41 days because it was not in the patch management inventory',
      'a domain admin credential was cached on {host2} and dumped from memory by the attacker',
      'the backup network was reachable from the server VLAN, which let the attacker try to delete restore points',
      'an exception to the EDR policy left {host} in detect-only mode',
    ],
    impacts: [
      [
        'The {service} was down for {minutes} minutes and {n} servers were rebuilt.',
        'how long was the {service} unavailable after the ransomware',
      ],
      [
        'The {service} outage lasted {minutes} minutes; recovery cost about EUR {amount}.',
        'what did it cost to recover the {service} from ransomware',
      ],
    ],
    actions: [
      'Add all internet-facing hosts to the patch inventory automatically from the CMDB',
      'Separate the backup network from server VLANs',
      'Remove the detect-only exception and review all EDR exceptions quarterly',
      'Deploy LAPS and forbid domain admin logons on member servers',
    ],
    rootQuery: 'why did the {service} go down to ransomware',
    secondRoles: ['fs', 'dc', 'bkp'],
  },
  {
    topic: 'credential-stuffing',
    publicOnly: true,
    keyword: 'credential stuffing',
    noun: 'account takeover wave',
    titles: ['Credential stuffing against the {service}', 'Automated login attack on {service} accounts'],
    summary: [
      'Over two days the {service} login endpoint received about {records} login attempts from residential proxies, led by {ext}. {n} accounts were accessed with passwords leaked from other sites.',
      'A bot network replayed leaked passwords against the {service}. The bot score dropped sharply and {n} accounts were taken over before rate limits were raised.',
    ],
    timeline: [
      'Login attempts against the {service} rise to eight times the normal rate, many from {ext}.',
      '{siem} login velocity rule fires; Tier 1 confirms successful logins from flagged IPs.',
      'Stricter bot challenge enabled on login and password reset.',
      'Affected accounts locked and sessions invalidated.',
      'Rate limits per username deployed at the edge; attack subsides.',
    ],
    rootCauses: [
      'the {service} login API had no per-username rate limit, only a per-IP limit that the proxy network spread across thousands of addresses',
      'customers were not required to use MFA and many reused passwords exposed in public breaches',
      'the bot challenge had been relaxed during a marketing campaign and was never tightened again',
    ],
    impacts: [
      [
        '{n} {service} accounts were accessed and {records} login attempts were made.',
        'how many {service} accounts were broken into',
      ],
      [
        'Attackers changed payout details on {n} {service} accounts; EUR {amount} was reimbursed to customers.',
        'how much did we pay back to customers after the {service} account takeovers',
      ],
    ],
    actions: [
      'Add per-username rate limiting to the login API',
      'Offer passkeys to all customers and nudge enrolment after login',
      'Put bot challenge settings under change control',
    ],
    rootQuery: 'why could bots take over {service} accounts',
  },
  {
    topic: 'ddos-response',
    publicOnly: true,
    keyword: 'DDoS',
    noun: 'outage',
    titles: ['DDoS attack on the {service}', 'Denial of service against the {service}'],
    summary: [
      'A volumetric attack peaking at {n} Gbps hit the public endpoints of the {service}. Scrubbing was activated after the first wave and availability recovered.',
      'An HTTP flood with randomised query strings exhausted the origin of the {service}. The attack followed an extortion email sent from {ext}.',
    ],
    timeline: [
      'Extortion email from {ext} threatens an attack on the {service}.',
      'Synthetic monitoring shows the {service} timing out from four regions.',
      'Scrubbing activated with the provider; BGP announcement confirmed.',
      'Under-attack profile enabled on the CDN; WAF rate rules applied.',
      'Traffic back below baseline for two hours; scrubbing withdrawn.',
    ],
    rootCauses: [
      'the origin of the {service} was reachable directly by IP, so the flood bypassed the CDN',
      'the scrubbing service was on-demand only and activation took 38 minutes',
      'an uncached search endpoint let each request reach the database',
    ],
    impacts: [
      [
        'The {service} was unavailable for {minutes} minutes at peak time.',
        'how long was the {service} offline during the denial of service',
      ],
      [
        'Around {records} customer requests to the {service} failed during the attack.',
        'how many customer requests to the {service} failed in the traffic flood',
      ],
    ],
    actions: [
      'Restrict the origin to CDN address ranges',
      'Switch scrubbing to always-on for critical public services',
      'Cache search results at the edge for 60 seconds',
    ],
    rootQuery: 'why did the flood take down the {service}',
  },
  {
    topic: 'lateral-movement',
    keyword: 'lateral movement',
    noun: 'intrusion',
    titles: ['Attacker moved laterally from {ws} into the {service}', 'Lateral movement towards {host2}'],
    summary: [
      'An attacker who controlled {ws} used stolen credentials of {user} to reach {host} and then {host2}. {edr} caught LSASS access on {host} before the domain was compromised.',
      'Using PsExec from a workstation, an intruder moved through {n} servers of the {service} and reached {host2}.',
    ],
    timeline: [
      'Initial foothold on {ws} ({wsip}) through a malicious browser update.',
      '{edr} detects LSASS memory access on {host}; analyst isolates the host.',
      'Authentication from {host} to {host2} with the account of {user} found in {siem}.',
      'Accounts in the chain disabled; passwords reset twice.',
      'Remote administration blocked from workstation subnets.',
    ],
    rootCauses: [
      'the helpdesk account {user} had local admin rights on every server, so one stolen password opened the whole {service}',
      'workstations could reach server management ports because the internal firewall rule was too broad',
      'the service account on {host} used RC4 Kerberos encryption and a password unchanged since 2017',
    ],
    impacts: [
      [
        '{n} servers of the {service} were accessed; no data loss was found.',
        'how many {service} servers did the intruder reach',
      ],
      [
        'The {service} was taken offline for {minutes} minutes while {host2} was rebuilt.',
        'how long was the {service} down for the rebuild after the intrusion',
      ],
    ],
    actions: [
      'Remove standing local admin rights from helpdesk accounts',
      'Restrict management ports to jump servers only',
      'Rotate service account passwords and enforce AES Kerberos',
    ],
    rootQuery: 'how was the intruder able to move through the {service}',
    secondRoles: ['dc', 'db', 'sql'],
  },
  {
    topic: 'data-exfiltration',
    keyword: 'data exfiltration',
    noun: 'data leak',
    titles: [
      'Data exfiltration from the {service}',
      'Customer data uploaded from the {service} to an external server',
    ],
    summary: [
      'About {records} records from the {service} were compressed on {host2} and sent to {ext} over HTTPS. DLP flagged the volume only after the transfer had finished.',
      'An attacker used a stolen API token to page through the {service} and download {records} records to {ext}.',
    ],
    timeline: [
      'Archive tool runs on {host2}; a {n} GB archive is created.',
      'Proxy alert for an upload of {n} GB from {host2} to {ext}.',
      'Destination blocked at proxy and firewall; data owner informed.',
      'Privacy Office notified; regulator deadline tracked.',
      'Compromised token revoked and the export API restricted.',
    ],
    rootCauses: [
      'an API token for the {service} had no expiry and was stored in a shared wiki page',
      'database servers of the {service} were allowed to reach the internet through the proxy',
      'the DLP policy only inspected email, not HTTPS uploads from servers',
    ],
    impacts: [
      [
        'About {records} customer records from the {service} left the company, including names and email addresses.',
        'how many customer records leaked from the {service}',
      ],
      [
        'Data of {records} people from the {service} was exposed; the regulator was notified.',
        'was the regulator told about the {service} leak and how many people were affected',
      ],
    ],
    actions: [
      'Give all API tokens a maximum lifetime of 90 days',
      'Deny internet egress from database subnets',
      'Extend DLP inspection to server uploads through the proxy',
    ],
    rootQuery: 'how did data get out of the {service}',
    secondRoles: ['db', 'sql', 'fs'],
  },
  {
    topic: 'insider-threat',
    keyword: 'insider threat',
    noun: 'data theft',
    titles: ['Departing employee copied {service} data', 'Insider misuse of access to the {service}'],
    summary: [
      'An employee who had resigned copied {records} files from the {service} to a personal cloud drive in the last week of employment. The case was handled with HR and Legal.',
      'A contractor used legitimate access to the {service} to download documents outside the scope of the contract.',
    ],
    timeline: [
      'Large downloads from the {service} by {user} begin after the resignation was submitted.',
      'DLP alert on uploads from {ws} to a personal cloud drive.',
      'Restricted case opened; HR and Legal approve enhanced monitoring.',
      'Legal hold placed on the mailbox and laptop of {user}.',
      'Access revoked on the last working day; laptop collected.',
    ],
    rootCauses: [
      'access to the {service} was never reduced after {user} changed role two years earlier',
      'uploads to personal cloud storage were allowed from company laptops',
      'the leaver process removed access only after the last working day, not at resignation',
    ],
    impacts: [
      [
        '{records} files from the {service} were copied; all were recovered under a court order.',
        'how many files did the departing employee take from the {service}',
      ],
      [
        'Confidential pricing documents from the {service} were exposed to a competitor.',
        'what ended up with a competitor after the {service} insider case',
      ],
    ],
    actions: [
      'Trigger an access review when an employee resigns',
      'Block uploads to unsanctioned cloud storage',
      'Add role-change access recertification',
    ],
    rootQuery: 'how could the leaver take so much from the {service}',
  },
  {
    topic: 'endpoint-malware',
    keyword: 'malware',
    noun: 'infection',
    titles: ['{family} infection on {ws}', 'Malware on workstations using the {service}'],
    summary: [
      '{family} was installed on {ws} through a fake software update and beaconed to {ext}. {edr} detected the payload and the host was contained.',
      'A macro in an invoice attachment installed {family} on {n} workstations used for the {service}.',
    ],
    timeline: [
      'User {user} runs a fake browser update on {ws}.',
      '{edr} detects {family} on {ws} ({wsip}); beaconing to {ext}.',
      'Host contained; sample and process tree collected.',
      'Hash searched across all endpoints in {siem}; no further hits.',
      'Browser-saved passwords of {user} reset; {ws} re-imaged.',
    ],
    rootCauses: [
      'the web proxy allowed downloads of executables from uncategorised sites',
      '{ws} ran an outdated browser that the software inventory did not report',
      'macros from the internet were allowed for the finance team using the {service}',
    ],
    impacts: [
      [
        '{n} workstations were re-imaged; the {service} was not affected.',
        'how many machines were rebuilt after the malware hit {service} users',
      ],
      [
        'Saved browser passwords from {ws}, including one for the {service}, were stolen and reset.',
        'were any {service} passwords stolen by the malware',
      ],
    ],
    actions: [
      'Block executable downloads from uncategorised sites',
      'Block internet macros for all users',
      'Fix browser version reporting in the software inventory',
    ],
    rootQuery: 'how did malware get onto the machines of {service} users',
  },
  {
    topic: 'cloud-misconfiguration',
    keyword: 'cloud misconfiguration',
    noun: 'data exposure',
    titles: ['Public storage bucket exposed {service} data', '{service} exports readable from the internet'],
    summary: [
      'A storage bucket holding exports of the {service} was public for {n} days. Access logs show downloads from {ext}.',
      'Exports of the {service} were readable without authentication for {n} days after a migration; {ext} listed and downloaded files.',
    ],
    timeline: [
      'Bucket policy of the {service} exports changed to public during a migration.',
      'Posture management flags public read access; ticket raised.',
      'Public access removed and previous policy recorded.',
      'Access log review finds listing and downloads from {ext}.',
      'Fix applied in Terraform; public access block enabled for the account.',
    ],
    rootCauses: [
      'a migration script applied a public-read policy to the {service} export bucket and the change bypassed code review',
      'the account-level public access block was disabled for the {service} account',
      'nobody owned the export bucket after the {service} team was reorganised, so posture alerts went unread',
    ],
    impacts: [
      [
        '{records} export files of the {service} were downloadable; {n} were downloaded from {ext}.',
        'how many {service} export files did outsiders download',
      ],
      [
        'Exports of the {service} with {records} customer rows were public for the whole period.',
        'how many customer rows were exposed in the public {service} bucket',
      ],
    ],
    actions: [
      'Block public bucket policies with an organisation-wide control',
      'Require code review for all bucket policy changes',
      'Assign an owner to every storage bucket in the inventory',
    ],
    rootQuery: 'why were {service} files publicly downloadable',
  },
  {
    topic: 'cloud-misconfiguration',
    keyword: 'leaked access key',
    noun: 'key leak',
    titles: [
      'Leaked access key for the {service} cloud account',
      'Cloud access key of the {service} abused after a public commit',
    ],
    summary: [
      'An access key of the {service} deployment user was pushed to a public repository and used from {ext} within hours.',
      'A long-lived cloud key of the {service} pipeline appeared in a public code repository; {ext} used it to start instances.',
    ],
    timeline: [
      'Deployment key of the {service} committed to a public repository.',
      'GuardDuty reports API calls with the key from {ext}.',
      'Key deactivated; new instances started by the attacker terminated.',
      'CloudTrail review lists every call made with the key.',
      'Pipeline moved to workload identity; key deleted.',
    ],
    rootCauses: [
      'the deployment key of the {service} was long-lived and committed in a configuration file',
      'secret scanning was not enabled on the repository of the {service}',
      'the deployment user of the {service} had administrator rights instead of the deploy role',
    ],
    impacts: [
      [
        'The leaked key of the {service} was used to start crypto-mining instances costing USD {amount}.',
        'what did the abuse of the {service} cloud key cost',
      ],
      [
        'The attacker listed {n} storage buckets of the {service} but no download was found.',
        'did the attacker with the {service} key download any data',
      ],
    ],
    actions: [
      'Replace long-lived deployment keys with workload identity',
      'Enable secret scanning with push protection on all repositories',
      'Reduce deployment users to the deploy role',
    ],
    rootQuery: 'how did the {service} cloud key end up being abused',
  },
  {
    topic: 'vpn-compromise',
    keyword: 'VPN',
    noun: 'remote access breach',
    titles: [
      'Compromised VPN account used to reach the {service}',
      'Suspicious VPN login from abroad reached the {service}',
    ],
    summary: [
      'The VPN account of {user} was used from {ext}, a country the user never worked from, to reach {host}. MFA push fatigue preceded the login.',
      'After a burst of MFA prompts, {user} approved one, and an attacker at {ext} connected over the VPN and reached servers of the {service}.',
    ],
    timeline: [
      'Burst of rejected MFA pushes for {user} from {ext}.',
      'VPN login of {user} from {ext} flagged as impossible travel.',
      'Session terminated and account disabled; {ext} blocked on the gateway.',
      'Review shows the session reached {host} ({ip}) and {host2}.',
      'Password reset and MFA device re-enrolled with the user.',
    ],
    rootCauses: [
      'the VPN allowed simple push approvals without number matching, and {user} accepted the twelfth prompt',
      'the VPN accepted logins from countries where the company has no staff',
      'the VPN address pool could reach the {service} servers directly instead of through the application proxy',
    ],
    impacts: [
      [
        'The attacker had access to the {service} network for {minutes} minutes; no data transfer was found.',
        'how long was the intruder connected to the {service} network',
      ],
      [
        'Two servers of the {service} were accessed over the VPN and rebuilt as a precaution.',
        'were any {service} servers rebuilt after the VPN break-in',
      ],
    ],
    actions: [
      'Enforce number matching on VPN MFA',
      'Block VPN logins from countries without staff',
      'Route VPN users to the {service} only through the application proxy',
    ],
    rootQuery: 'how did someone get into the {service} over the VPN',
  },
  {
    topic: 'business-email-compromise',
    keyword: 'business email compromise',
    noun: 'payment fraud',
    titles: [
      'Supplier bank details changed by fraudulent email ({service})',
      'Business email compromise and payment fraud in the {service}',
    ],
    summary: [
      'Accounts payable changed a supplier bank account after an email from a look-alike domain, {domain}. One payment of EUR {amount} went to the fraudster.',
      'A look-alike of a supplier domain, {domain}, asked accounts payable to change bank details in the {service}; the change went through without a call-back.',
    ],
    timeline: [
      'Look-alike domain {domain} registered.',
      'Request to change supplier bank details received from {domain}; change processed in the {service}.',
      'Supplier asks about a missing payment; fraud suspected.',
      "Bank's fraud desk asked to recall the transfer.",
      '{domain} blocked; police report filed.',
    ],
    rootCauses: [
      'the call-back to a known phone number was skipped because the request looked urgent',
      'the {service} accepted bank detail changes without a second approver',
      'the mailbox of {user} had a forwarding rule set by an attacker two weeks earlier',
    ],
    impacts: [
      [
        'EUR {amount} was paid to the fraudster through the {service}; EUR {n},000 was recovered by the bank.',
        'how much of the money paid through the {service} did the bank get back',
      ],
      [
        'One payment of EUR {amount} from the {service} was lost.',
        'how much money was lost in the {service} fraud',
      ],
    ],
    actions: [
      'Make call-backs mandatory for all bank detail changes',
      'Add a second approver for bank detail changes in the {service}',
      'Alert on new external forwarding rules',
    ],
    rootQuery: 'how did the fraudster get paid through the {service}',
  },
  {
    topic: 'web-application-attack',
    publicOnly: true,
    keyword: 'web application attack',
    noun: 'breach',
    titles: ['SQL injection in the {service}', 'Customer data read through SQL injection in the {service}'],
    summary: [
      'An attacker used SQL injection in a search parameter of the {service} to read {records} rows from {host2}. Requests came from {ext}.',
      'Crafted search requests from {ext} made the {service} return database rows from {host2} that the user was not allowed to see.',
    ],
    timeline: [
      'First injection payloads from {ext} against the search endpoint of the {service}.',
      'WAF alert spike; database errors with user input logged on {host}.',
      'Endpoint behind a blocking WAF rule; web root copied for evidence.',
      'Database audit trail on {host2} shows bulk reads by the application account.',
      'Fix deployed through the pipeline; database credentials rotated.',
    ],
    rootCauses: [
      'a search parameter of the {service} was concatenated into SQL instead of bound as a parameter',
      'input validation of the {service} ran only in the browser, so crafted API requests skipped it',
      'the WAF ran in monitoring mode for the {service} after a false positive six months earlier',
    ],
    impacts: [
      [
        '{records} rows from the {service} database were read by the attacker.',
        'how much data did the attacker read from the {service}',
      ],
      [
        'The {service} was offline for {minutes} minutes while the fix was deployed.',
        'how long was the {service} taken offline to fix the injection',
      ],
    ],
    actions: [
      'Add static analysis for string-built SQL to the pipeline',
      'Validate input on the server for every API endpoint',
      'Return the WAF to blocking mode and review exceptions monthly',
    ],
    rootQuery: 'what weakness let the attacker into the {service}',
    secondRoles: ['db', 'sql'],
  },
];
