import type { IncidentKind, SystemSpec } from './incident-types.ts';

export const CITIES_ZH: Record<string, string> = {
  sha: '上海',
  bjs: '北京',
  szx: '深圳',
  hgh: '杭州',
  ctu: '成都',
  wuh: '武汉',
  can: '广州',
  nkg: '南京',
};

export const SYSTEMS_ZH: SystemSpec[] = [
  ['薪酬系统', 'app', '薪酬应用服务器', true],
  ['会员积分平台', 'api', '积分接口服务器', true],
  ['仓储扫码系统', 'app', '扫码后台服务器', false],
  ['跨境支付网关', 'app', '支付网关服务器', false],
  ['员工自助门户', 'web', '门户 Web 服务器', true],
  ['理赔接口平台', 'api', '理赔接口节点', true],
  ['门店收银网络', 'pos', '门店收银控制器', false],
  ['文档管理系统', 'fs', '文档存储服务器', false],
  ['供应商协同平台', 'web', '协同平台 Web 服务器', true],
  ['数据分析集群', 'k8s', '分析集群节点', false],
  ['持续集成平台', 'ci', '构建节点', false],
  ['客服工单系统', 'app', '工单应用服务器', false],
  ['电子发票归档系统', 'fs', '归档文件服务器', false],
  ['电商下单服务', 'web', '下单 Web 节点', true],
  ['财务共享系统', 'erp', 'ERP 应用服务器', false],
  ['生产执行系统', 'scada', 'MES 数据服务器', false],
];

export const SECOND_HOSTS_ZH: Record<string, string> = {
  db: '数据库服务器',
  dc: '域控制器',
  fs: '文件服务器',
  sql: 'SQL 服务器',
  bkp: '备份服务器',
};

export const INCIDENT_KINDS_ZH: IncidentKind[] = [
  {
    topic: 'phishing-response',
    keyword: '钓鱼邮件',
    noun: '账号被盗',
    titles: ['针对{service}用户的钓鱼邮件事件', '钓鱼邮件导致{service}邮箱被接管'],
    summary: [
      '一封冒充{service}密码到期提醒的钓鱼邮件发送给了 {n} 名员工。{person}在仿冒页面 {domain} 上输入了账号密码，攻击者随后从 {ext} 登录。',
      '{service}的用户收到伪造的共享文档通知，链接指向 {domain}。账号 {user} 被接管，并被用来向内部继续发送钓鱼邮件。',
    ],
    timeline: [
      '来自 {domain} 的钓鱼邮件投递到 {n} 个邮箱。',
      '用户 {user} 上报可疑邮件，一线分析师建单，并发现 {ws} 上有点击记录。',
      '身份认证日志确认 {ext} 登录了 {user} 的邮箱。',
      '吊销 {user} 的全部会话并重置密码，删除自动转发规则。',
      '清除所有邮箱中的该邮件，并在邮件网关和代理上封禁 {domain}。',
    ],
    rootCauses: [
      '仿冒域名 {domain} 注册仅四天，尚未进入任何黑名单，而且 {user} 的账号没有启用抗钓鱼的多因素认证',
      '邮件网关没有对首次来信发件人的链接做沙箱检测',
      '用户在攻击者获取密码后批准了一次 MFA 推送',
    ],
    impacts: [
      [
        '攻击者访问{service}相关邮箱 {minutes} 分钟，可读取 {records} 封内部邮件。',
        '{service}被盗邮箱在攻击者手里多久',
      ],
      ['{service}没有数据外流，但有 {n} 名员工需要重置密码。', '{service}钓鱼事件后多少人改了密码'],
    ],
    actions: ['为 MFA 推送启用数字匹配', '禁止邮箱使用旧式认证协议', '对首次来信的链接启用点击时沙箱检测'],
    rootQuery: '攻击者是怎么进入{service}账号的',
  },
  {
    topic: 'ransomware-response',
    keyword: '勒索软件',
    noun: '停机',
    titles: ['{family} 勒索软件加密{service}', '{service}遭遇勒索软件攻击'],
    summary: [
      '{family} 勒索软件加密了{service}的文件共享和应用服务器。攻击者利用互联网暴露系统上的 {cve} 进入内网，并通过 {host2} 下发载荷。',
      '{family} 家族的勒索软件从 {host} 扩散到支撑{service}的 {n} 台服务器，直到 {edr} 隔离后才停止。',
    ],
    timeline: [
      '攻击者利用 {cve} 进入 {host} 并植入 Web Shell。',
      '{edr} 在 {host2} 上告警大量文件被重命名，一线升级给事件指挥官。',
      '隔离受影响主机，在核心防火墙上阻断服务器网段之间的 SMB。',
      '在共享目录中发现 {family} 勒索信，确认备份完好。',
      '开始从不可篡改备份恢复{service}。',
      '服务恢复，加强监控 14 天。',
    ],
    rootCauses: [
      '{host} 不在补丁管理清单中，{cve} 的补丁缺失了 41 天',
      '{host2} 上缓存了域管理员凭据，被攻击者从内存中抓取',
      '备份网络可以从服务器网段直接访问，攻击者因此尝试删除恢复点',
    ],
    impacts: [
      ['{service}停机 {minutes} 分钟，重建了 {n} 台服务器。', '勒索软件之后{service}停了多久'],
      ['{service}中断 {minutes} 分钟，恢复费用约 {amount} 元。', '{service}从勒索软件中恢复花了多少钱'],
    ],
    actions: [
      '从 CMDB 自动把所有互联网暴露主机纳入补丁清单',
      '将备份网络与服务器网段隔离',
      '部署 LAPS，禁止域管理员登录成员服务器',
    ],
    rootQuery: '{service}为什么会被勒索软件搞瘫',
    secondRoles: ['fs', 'dc', 'bkp'],
  },
  {
    topic: 'credential-stuffing',
    publicOnly: true,
    keyword: '撞库',
    noun: '批量盗号',
    titles: ['{service}遭遇撞库攻击', '针对{service}账号的自动化登录攻击'],
    summary: [
      '两天内{service}登录接口收到约 {records} 次来自住宅代理的登录尝试，主要来源为 {ext}。{n} 个账号被使用其他网站泄露的密码登录。',
      '僵尸网络使用泄露密码批量尝试登录{service}，在提高限速之前已有 {n} 个账号被盗。',
    ],
    timeline: [
      '{service}登录请求升至平时的八倍，大量来自 {ext}。',
      '{siem} 登录速率规则告警，一线确认存在来自可疑 IP 的成功登录。',
      '在登录和重置密码接口启用更严格的人机验证。',
      '锁定受影响账号并使其会话失效。',
      '在边缘节点按用户名限速，攻击平息。',
    ],
    rootCauses: [
      '{service}登录接口只有按 IP 的限速，没有按用户名的限速，代理网络把请求分散到了数千个地址',
      '客户未被要求启用多因素认证，很多人重复使用已泄露的密码',
      '营销活动期间放宽了人机验证，活动结束后没有恢复',
    ],
    impacts: [
      ['{service}共有 {n} 个账号被登录，登录尝试 {records} 次。', '{service}有多少账号被盗'],
      [
        '攻击者修改了 {n} 个{service}账号的收款信息，公司向客户赔付 {amount} 元。',
        '{service}盗号事件公司赔了客户多少钱',
      ],
    ],
    actions: ['登录接口增加按用户名限速', '向所有客户提供通行密钥登录', '人机验证配置纳入变更管理'],
    rootQuery: '为什么机器人能盗走{service}的账号',
  },
  {
    topic: 'ddos-response',
    publicOnly: true,
    keyword: 'DDoS',
    noun: '服务中断',
    titles: ['{service}遭受 DDoS 攻击', '针对{service}的拒绝服务攻击'],
    summary: [
      '峰值 {n} Gbps 的流量型攻击打到{service}的公网入口，第一波之后启用了清洗，可用性随即恢复。',
      '带随机参数的 HTTP 洪水耗尽了{service}的源站资源。攻击前公司收到来自 {ext} 的勒索邮件。',
    ],
    timeline: [
      '{ext} 发来勒索邮件，威胁攻击{service}。',
      '拨测显示{service}在四个地区访问超时。',
      '联系清洗服务商启用清洗，确认 BGP 宣告生效。',
      'CDN 开启防攻击模式，WAF 下发限速规则。',
      '流量连续两小时低于基线，撤销清洗。',
    ],
    rootCauses: [
      '{service}的源站可以通过 IP 直接访问，攻击流量绕过了 CDN',
      '清洗服务是按需启用模式，启用花了 38 分钟',
      '一个未缓存的搜索接口让每个请求都打到数据库',
    ],
    impacts: [
      ['{service}在高峰期不可用 {minutes} 分钟。', '拒绝服务攻击期间{service}中断了多久'],
      ['攻击期间约 {records} 个访问{service}的请求失败。', '流量攻击时{service}有多少请求失败'],
    ],
    actions: ['源站只允许 CDN 地址段访问', '关键公网服务改为常态化清洗', '搜索结果在边缘缓存 60 秒'],
    rootQuery: '为什么流量攻击能让{service}瘫痪',
  },
  {
    topic: 'lateral-movement',
    keyword: '横向移动',
    noun: '入侵',
    titles: ['攻击者从 {ws} 横向移动进入{service}', '针对 {host2} 的横向移动'],
    summary: [
      '控制了 {ws} 的攻击者使用 {user} 的被盗凭据先后访问了 {host} 和 {host2}。{edr} 在域被攻破之前发现了 {host} 上的 LSASS 访问。',
      '入侵者从一台办公终端使用 PsExec 穿过{service}的 {n} 台服务器，最终到达 {host2}。',
    ],
    timeline: [
      '{ws}（{wsip}）因恶意浏览器更新被控制。',
      '{edr} 发现 {host} 上的 LSASS 内存访问，分析师隔离该主机。',
      '{siem} 中发现 {user} 的账号从 {host} 登录 {host2}。',
      '禁用攻击链上的账号，密码重置两次。',
      '封禁办公网段到服务器的远程管理协议。',
    ],
    rootCauses: [
      '运维账号 {user} 在所有服务器上都有本地管理员权限，一个被盗密码就打开了整个{service}',
      '内部防火墙规则过宽，办公终端可以访问服务器管理端口',
      '{host} 上的服务账号使用 RC4 加密，密码自 2017 年以来从未更换',
    ],
    impacts: [
      ['{service}有 {n} 台服务器被访问，未发现数据丢失。', '入侵者进入了{service}的多少台服务器'],
      ['重建 {host2} 期间{service}下线 {minutes} 分钟。', '入侵后重建期间{service}下线多久'],
    ],
    actions: [
      '取消运维账号的常驻本地管理员权限',
      '管理端口只对跳板机开放',
      '轮换服务账号密码并强制 AES 加密',
    ],
    rootQuery: '入侵者为什么能在{service}里四处移动',
    secondRoles: ['dc', 'db', 'sql'],
  },
  {
    topic: 'data-exfiltration',
    keyword: '数据外泄',
    noun: '数据泄露',
    titles: ['{service}数据外泄事件', '{service}客户数据被上传到外部服务器'],
    summary: [
      '{service}约 {records} 条记录在 {host2} 上被压缩后通过 HTTPS 发送到 {ext}。DLP 在传输结束后才发现异常流量。',
      '攻击者使用被盗的接口令牌分页读取{service}，下载了 {records} 条记录到 {ext}。',
    ],
    timeline: [
      '{host2} 上运行压缩工具，生成 {n} GB 的压缩包。',
      '代理告警：{host2} 向 {ext} 上传 {n} GB 数据。',
      '在代理和防火墙封禁目标地址，通知数据负责人。',
      '通知隐私办公室，跟踪监管报送时限。',
      '吊销被盗令牌，限制导出接口。',
    ],
    rootCauses: [
      '{service}的接口令牌没有有效期，并被保存在共享的知识库页面上',
      '{service}的数据库服务器可以通过代理访问互联网',
      'DLP 策略只检查邮件，不检查服务器的 HTTPS 上传',
    ],
    impacts: [
      ['{service}约 {records} 条客户记录外泄，包括姓名和手机号。', '{service}泄露了多少条客户记录'],
      [
        '{service}涉及 {records} 人的数据被泄露，已向监管机构报告。',
        '{service}泄露事件报告监管了吗，涉及多少人',
      ],
    ],
    actions: [
      '所有接口令牌最长有效期 90 天',
      '禁止数据库网段访问互联网',
      'DLP 检查范围扩展到服务器经代理的上传',
    ],
    rootQuery: '{service}的数据是怎么被带出去的',
    secondRoles: ['db', 'sql', 'fs'],
  },
  {
    topic: 'insider-threat',
    keyword: '内部威胁',
    noun: '数据窃取',
    titles: ['离职员工拷贝{service}数据', '内部人员滥用{service}访问权限'],
    summary: [
      '一名已提出离职的员工在最后一周把{service}的 {records} 个文件复制到个人网盘。案件与人力资源部和法务部共同处理。',
      '一名外包人员利用合法权限下载了{service}中超出合同范围的文档。',
    ],
    timeline: [
      '{user} 提交离职后开始大量下载{service}文件。',
      'DLP 告警：{ws} 向个人网盘上传文件。',
      '建立保密案件，人力资源部和法务部批准加强监控。',
      '对 {user} 的邮箱和笔记本电脑实施法律保全。',
      '最后工作日收回权限和笔记本电脑。',
    ],
    rootCauses: [
      '{user} 两年前调岗后，{service}的访问权限一直没有收回',
      '公司电脑允许上传到个人云存储',
      '离职流程在最后工作日才回收权限，而不是在提出离职时',
    ],
    impacts: [
      ['{service}的 {records} 个文件被复制，已通过法院裁定全部追回。', '离职员工从{service}拷走了多少文件'],
      ['{service}中的保密报价文件泄露给了竞争对手。', '{service}内部人员事件中什么落到了竞争对手手里'],
    ],
    actions: ['员工提出离职时触发权限复核', '封禁未经批准的云存储上传', '增加调岗后的权限再认证'],
    rootQuery: '离职员工为什么能从{service}拿走这么多东西',
  },
  {
    topic: 'endpoint-malware',
    keyword: '恶意软件',
    noun: '感染',
    titles: ['{ws} 感染 {family}', '{service}用户终端感染恶意软件'],
    summary: [
      '{family} 通过伪造的软件更新安装到 {ws}，并向 {ext} 发送心跳。{edr} 检出载荷后隔离了主机。',
      '发票附件中的宏在{service}使用的 {n} 台终端上安装了 {family}。',
    ],
    timeline: [
      '用户 {user} 在 {ws} 上运行了伪造的浏览器更新。',
      '{edr} 在 {ws}（{wsip}）上检出 {family}，发现其连接 {ext}。',
      '隔离主机，采集样本和进程树。',
      '在 {siem} 中全网搜索该哈希，无其他命中。',
      '重置 {user} 浏览器保存的密码，重装 {ws}。',
    ],
    rootCauses: [
      'Web 代理允许从未分类网站下载可执行文件',
      '{ws} 的浏览器版本过旧，软件资产清单没有发现',
      '使用{service}的财务团队被允许运行来自互联网的宏',
    ],
    impacts: [
      ['重装了 {n} 台终端，{service}未受影响。', '{service}恶意软件事件后重装了多少台电脑'],
      ['{ws} 浏览器中保存的密码（包括{service}的密码）被窃取并已重置。', '恶意软件有没有偷走{service}的密码'],
    ],
    actions: [
      '禁止从未分类网站下载可执行文件',
      '对所有用户禁用来自互联网的宏',
      '修复软件资产清单的浏览器版本上报',
    ],
    rootQuery: '{service}用户的电脑是怎么中毒的',
  },
  {
    topic: 'cloud-misconfiguration',
    keyword: '云配置错误',
    noun: '数据暴露',
    titles: ['{service}存储桶被公开访问', '{service}导出文件可从互联网读取'],
    summary: [
      '存放{service}导出文件的存储桶公开了 {n} 天，访问日志显示 {ext} 下载过文件。',
      '迁移后{service}的导出文件在 {n} 天内无需认证即可读取，{ext} 列举并下载了文件。',
    ],
    timeline: [
      '迁移过程中{service}导出存储桶的策略被改为公开。',
      '云安全态势管理工具告警公开读权限，创建工单。',
      '移除公开访问并记录原有策略。',
      '访问日志显示 {ext} 列举并下载了文件。',
      '在 Terraform 中修复配置，为账号开启公开访问阻止。',
    ],
    rootCauses: [
      '迁移脚本给{service}导出存储桶加了公开读策略，且该变更绕过了代码评审',
      '{service}所在云账号关闭了账号级公开访问阻止',
      '{service}团队调整后导出存储桶无人负责，态势告警无人处理',
    ],
    impacts: [
      [
        '{service}的 {records} 个导出文件可被下载，其中 {n} 个被 {ext} 下载。',
        '{service}有多少导出文件被外部下载',
      ],
      [
        '{service}含 {records} 行客户数据的导出文件在此期间一直公开。',
        '{service}公开存储桶暴露了多少行客户数据',
      ],
    ],
    actions: [
      '在组织层面禁止公开存储桶策略',
      '存储桶策略变更必须经过代码评审',
      '为资产清单中的每个存储桶指定负责人',
    ],
    rootQuery: '{service}的文件为什么能被公开下载',
  },
  {
    topic: 'cloud-misconfiguration',
    keyword: '访问密钥泄露',
    noun: '密钥泄露',
    titles: ['{service}云账号访问密钥泄露', '{service}云密钥被提交到公开仓库后遭滥用'],
    summary: [
      '{service}部署用户的访问密钥被提交到公开代码仓库，数小时内就被 {ext} 使用。',
      '{service}流水线使用的长期云密钥出现在公开代码仓库中，{ext} 用它创建了云主机。',
    ],
    timeline: [
      '{service}的部署密钥被提交到公开仓库。',
      '云威胁检测告警：{ext} 使用该密钥调用接口。',
      '停用密钥，终止攻击者创建的实例。',
      '审计日志列出该密钥的全部调用。',
      '流水线改用工作负载身份，删除密钥。',
    ],
    rootCauses: [
      '{service}的部署密钥长期有效，并被写在配置文件里提交',
      '{service}的代码仓库没有开启密钥扫描',
      '{service}的部署用户拥有管理员权限，而不是部署角色',
    ],
    impacts: [
      [
        '泄露的{service}密钥被用于创建挖矿实例，产生费用 {amount} 元。',
        '泄露的{service}云密钥被滥用花了多少钱',
      ],
      ['攻击者列举了{service}的 {n} 个存储桶，未发现下载。', '拿到{service}密钥的攻击者下载数据了吗'],
    ],
    actions: [
      '用工作负载身份替换长期部署密钥',
      '所有仓库开启带推送拦截的密钥扫描',
      '部署用户权限收缩为部署角色',
    ],
    rootQuery: '{service}的云密钥为什么会被滥用',
  },
  {
    topic: 'vpn-compromise',
    keyword: 'VPN',
    noun: '远程访问入侵',
    titles: ['VPN 账号被盗用于访问{service}', '境外可疑 VPN 登录访问{service}'],
    summary: [
      '{user} 的 VPN 账号从 {ext} 登录并访问了 {host}，该用户从未在该国家工作。登录前出现了 MFA 推送轰炸。',
      '{user} 在连续收到 MFA 推送后点了同意，位于 {ext} 的攻击者随即通过 VPN 访问了{service}的服务器。',
    ],
    timeline: [
      '{ext} 针对 {user} 触发大量 MFA 推送。',
      '{user} 从 {ext} 的 VPN 登录被标记为不可能的出行。',
      '断开会话并禁用账号，在网关上封禁 {ext}。',
      '排查发现该会话访问了 {host}（{ip}）和 {host2}。',
      '与用户一起重置密码并重新绑定 MFA 设备。',
    ],
    rootCauses: [
      'VPN 允许简单推送确认而不要求数字匹配，{user} 在第十二次推送时点了同意',
      'VPN 允许从公司没有员工的国家登录',
      'VPN 地址池可以直接访问{service}的服务器，而没有经过应用代理',
    ],
    impacts: [
      ['攻击者在{service}网络中停留 {minutes} 分钟，未发现数据传输。', '入侵者连在{service}网络里多久'],
      ['{service}有两台服务器经 VPN 被访问，已作为预防措施重建。', 'VPN 入侵后{service}的服务器重建了吗'],
    ],
    actions: [
      'VPN 多因素认证强制数字匹配',
      '封禁来自无员工国家的 VPN 登录',
      'VPN 用户只能经应用代理访问{service}',
    ],
    rootQuery: '有人是怎么通过 VPN 进入{service}的',
  },
];
