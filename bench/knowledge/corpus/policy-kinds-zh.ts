import type { PolicyEntity, PolicyKind } from './policies.ts';

export const ENTITIES_ZH: PolicyEntity[] = [
  {
    label: '上海总部',
    place: '上海总部',
    slug: 'shanghai-hq',
    full: '诺风科技（上海）有限公司',
    city: '上海',
    currency: 'CNY',
    scale: 7,
  },
  {
    label: '北京分公司',
    place: '北京分公司',
    slug: 'beijing',
    full: '诺风科技北京分公司',
    city: '北京',
    currency: 'CNY',
    scale: 7,
  },
  {
    label: '深圳分公司',
    place: '深圳分公司',
    slug: 'shenzhen',
    full: '诺风科技深圳分公司',
    city: '深圳',
    currency: 'CNY',
    scale: 7,
  },
  {
    label: '成都软件园区',
    place: '成都软件园区',
    slug: 'chengdu',
    full: '诺风科技成都软件园区',
    city: '成都',
    currency: 'CNY',
    scale: 7,
  },
  {
    label: '杭州子公司',
    place: '杭州子公司',
    slug: 'hangzhou',
    full: '诺风数字（杭州）有限公司',
    city: '杭州',
    currency: 'CNY',
    scale: 7,
  },
];

export const POLICY_KINDS_ZH: PolicyKind[] = [
  {
    code: 'TRV',
    slug: 'travel-and-expenses',
    title: '差旅及费用报销制度',
    owner: '财务部',
    purpose: [
      '本制度规定出差的预订方式、费用标准以及报销流程。',
      '出差前请阅读本制度，了解哪些费用可以报销以及如何提交。',
    ],
    statements: [
      '机票和酒店统一通过公司签约差旅平台预订。',
      '除经批准的客户活动外，酒水费用不予报销。',
      '前往高风险地区出差前须参加安全培训。',
      '市内交通优先使用网约车，原则上不租车。',
      '因私延长行程产生的费用由员工自行承担。',
    ],
    facts: [
      {
        text: '{full}员工在{city}出差的住宿费每晚不超过 {n}（含税）。',
        n: [60, 120],
        money: true,
        anchor: '出差的住宿费每晚不超过',
        queries: ['paraphrase: {label}员工出差住酒店一晚最多能报多少钱', 'keyword: {label} 住宿 标准 每晚'],
      },
      {
        text: '{label}的报销单须在出差结束后 {n} 天内连同发票一并提交。',
        n: [14, 60],
        anchor: '的报销单须在出差结束后',
        queries: ['paraphrase: {label}出差回来多少天内要交报销单'],
      },
    ],
  },
  {
    code: 'RMT',
    slug: 'remote-work',
    title: '远程办公管理规定',
    owner: '人力资源部',
    purpose: [
      '本规定明确员工在家或异地办公的条件和要求。',
      '远程办公在兼顾灵活性的同时，必须保证信息安全和协作效率。',
    ],
    statements: [
      '在办公室以外使用公司电脑时必须连接公司 VPN。',
      '不得在家中打印保密文件。',
      '在公共场所办公须使用防窥膜。',
      '直属经理每年与员工确认一次远程办公安排。',
      '家庭网络须设置强口令并及时更新路由器固件。',
    ],
    facts: [
      {
        text: '{full}员工每个自然年在境外远程办公累计不得超过 {n} 个工作日。',
        n: [10, 60],
        anchor: '在境外远程办公累计不得超过',
        queries: ['paraphrase: {label}一年最多能在国外远程办公几天', 'keyword: {label} 境外 远程办公 天数'],
      },
      {
        text: '{full}为新入职的远程员工一次性发放居家办公补贴 {n}。',
        n: [40, 150],
        money: true,
        anchor: '一次性发放居家办公补贴',
        queries: ['paraphrase: {label}在家办公买桌椅有补贴吗'],
      },
    ],
  },
  {
    code: 'PWD',
    slug: 'password-and-mfa',
    title: '口令与多因素认证管理规范',
    owner: '信息技术部',
    purpose: [
      '本规范规定口令、多因素认证和账号锁定的要求。',
      '账号安全是信息安全的第一道防线，本规范统一全公司的口令要求。',
    ],
    statements: [
      '禁止通过邮件或即时通讯工具发送口令。',
      '共享服务账号的口令须保存在经批准的口令管理器中。',
      '所有远程访问必须启用多因素认证。',
      '怀疑口令泄露时须立即修改。',
      '管理员账号须使用硬件安全密钥。',
    ],
    facts: [
      {
        text: '{full}的口令长度不少于 {n} 位，鼓励使用口令短语。',
        n: [12, 20],
        anchor: '的口令长度不少于',
        queries: ['paraphrase: {label}密码最短要几位', 'keyword: {label} 口令 长度 要求'],
      },
      {
        text: '{full}的账号连续 {n} 次登录失败后锁定 15 分钟。',
        n: [5, 10],
        anchor: '次登录失败后锁定 15 分钟',
        queries: ['paraphrase: {label}密码输错几次账号会被锁'],
      },
    ],
  },
  {
    code: 'LEV',
    slug: 'leave',
    title: '员工休假管理制度',
    owner: '人力资源部',
    purpose: [
      '本制度规定年假、病假、婚假和产假等各类假期的申请与审批。',
      '本制度帮助员工了解可享受的各类假期及申请方式。',
    ],
    statements: [
      '休假须提前在人力资源系统中提交申请。',
      '未休完的年假可顺延至次年第一季度。',
      '病假超过三天须提供医院证明。',
      '婚假须在领证后一年内休完。',
      '休假期间的工作由直属经理指定代理人。',
    ],
    facts: [
      {
        text: '{full}员工工作满一年后每年享有 {n} 天带薪年假。',
        n: [5, 15],
        anchor: '天带薪年假',
        queries: ['paraphrase: {label}干满一年有几天年假', 'keyword: {label} 带薪年假 天数'],
      },
      {
        text: '{full}在法定产假基础上额外给予 {n} 天带薪产假。',
        n: [15, 60],
        anchor: '在法定产假基础上额外给予',
        queries: ['paraphrase: {label}除了国家规定的产假公司还多给几天'],
      },
    ],
  },
  {
    code: 'RET',
    slug: 'records-retention',
    title: '档案与数据保留制度',
    owner: '法务合规部',
    purpose: [
      '本制度规定各类业务档案和数据的保存期限及销毁方式。',
      '档案既要满足法规的保存要求，又不能无限期保存，本制度明确两者的平衡。',
    ],
    statements: [
      '处于诉讼保全状态的档案在法务部解除前不得销毁。',
      '纸质档案由经批准的服务商粉碎销毁。',
      '档案负责人每年对照本制度清理一次。',
      '电子档案销毁须留存销毁记录。',
      '涉及个人信息的档案按最小必要原则保存。',
    ],
    facts: [
      {
        text: '{full}的会计凭证和账簿保存 {n} 年。',
        n: [10, 30],
        anchor: '的会计凭证和账簿保存',
        queries: ['paraphrase: {label}的财务凭证要留多少年', 'keyword: {label} 会计凭证 保存期限'],
      },
      {
        text: '{label}办公场所的监控录像保存 {n} 天，发生事件时可延长。',
        n: [30, 90],
        anchor: '办公场所的监控录像保存',
        queries: ['paraphrase: {label}的摄像头录像存多久'],
      },
    ],
  },
  {
    code: 'OFF',
    slug: 'offboarding',
    title: '离职交接管理办法',
    owner: '信息技术部',
    purpose: [
      '本办法确保离职员工按时归还设备并及时回收权限。',
      '员工离职时，公司资产和访问权限须按本办法及时收回。',
    ],
    statements: [
      '员工提出离职后，直属经理应立即发起离职流程。',
      '共享邮箱和文件须移交给直属经理。',
      '归还手机前由员工自行删除个人数据。',
      '离职面谈由人力资源业务伙伴安排。',
      '离职员工须签署保密义务确认书。',
    ],
    facts: [
      {
        text: '{full}离职员工须在最后工作日后 {n} 个工作日内归还电脑和工牌。',
        n: [1, 10],
        anchor: '离职员工须在最后工作日后',
        queries: ['paraphrase: 从{label}离职后几天内要还电脑'],
      },
      {
        text: '{label}离职员工的账号在最后工作日 18:00 停用，{n} 天后删除。',
        n: [30, 180],
        anchor: '离职员工的账号在最后工作日',
        queries: ['paraphrase: {label}员工走了以后账号多久被删', 'keyword: {label} 离职 账号 删除 天数'],
      },
    ],
  },
  {
    code: 'VIS',
    slug: 'visitor-and-badge',
    title: '访客与门禁管理规定',
    owner: '行政部',
    purpose: [
      '本规定管理进入公司办公场所的人员以及访客接待要求。',
      '为保障人员和资产安全，所有进入办公场所的人员须遵守本规定。',
    ],
    statements: [
      '员工在办公区域须佩戴工牌。',
      '禁止尾随他人通过门禁闸机。',
      '工牌遗失须当天告知前台。',
      '访客无线网络与办公网络隔离。',
      '施工人员须办理临时出入证。',
    ],
    facts: [
      {
        text: '访问{label}的访客须提前 {n} 小时登记，并全程由员工陪同。',
        n: [4, 48],
        anchor: '的访客须提前',
        queries: ['paraphrase: 带客人去{label}要提前多久登记'],
      },
      {
        text: '{full}的门禁刷卡日志保存 {n} 天。',
        n: [30, 365],
        anchor: '的门禁刷卡日志保存',
        queries: ['paraphrase: {label}进出门的刷卡记录留多久', 'keyword: {label} 门禁 刷卡日志 保存'],
      },
    ],
  },
];
