/**
 * The phrase layers of the built-in injection detector. Every pattern runs on normalised,
 * lower-cased text (see `normalizeForMatching`); `weight` is how sure one hit makes us on its
 * own, before the source and discussion adjustments. Patterns ask for the *instruction* nouns
 * ("instructions", "system prompt", "指令", "提示词"), never for a bare verb, so "ignore whitespace
 * in git diff" or "忽略之前的警告" do not fire.
 */
export const SIGNAL_LAYERS = [
  'override',
  'roleplay',
  'extraction',
  'markers',
  'addressing',
  'encoded',
] as const;
export type SignalLayer = (typeof SIGNAL_LAYERS)[number];

export interface PhraseSignal {
  layer: SignalLayer;
  reason: string;
  weight: number;
  pattern: RegExp;
  /** Counts only for tool results and retrieved documents (a user may well address the assistant). */
  untrustedOnly?: boolean;
}

const EN_QUALIFIER =
  '(?:previous|prior|above|earlier|preceding|former|initial|original|system|safety|your|all (?:of )?(?:your|the|previous|prior|above))';
const EN_NOUN =
  '(?:instructions?|prompts?|directions?|directives?|guidelines|guardrails|programming|rules|constraints|restrictions|system prompt)';
const ZH_STOP = '[^。！？!?\\n]';

export const PHRASE_SIGNALS: readonly PhraseSignal[] = [
  {
    layer: 'override',
    reason: 'instruction override',
    weight: 0.8,
    pattern: new RegExp(
      `(?<!\\b(?:i|we|they|he|she|often|always|sometimes|usually) )\\b(?:ignore|disregard|forget|override|bypass|neglect|discard|set aside)\\b[\\w\\s,'-]{0,24}?\\b${EN_QUALIFIER}\\b[\\w\\s,'-]{0,24}?\\b${EN_NOUN}\\b`,
    ),
  },
  {
    layer: 'override',
    reason: 'instruction override',
    weight: 0.7,
    pattern: new RegExp(
      `\\b(?:do not|don't|stop|no longer) (?:follow|obey|adhere to)(?:ing)? (?:any of )?(?:the )?${EN_QUALIFIER} ${EN_NOUN}|\\bignore all (?:other )?instructions\\b|\\byour (?:new|real|actual) (?:instructions|task|goal|objective) (?:is|are)\\b|\\bnew instructions ?:`,
    ),
  },
  {
    layer: 'override',
    reason: 'instruction override (Chinese)',
    weight: 0.8,
    pattern: new RegExp(
      `(?:忽略|无视|忽视|不要理会|别管|忘记|忘掉|抛弃|丢弃|跳过|绕过|不要遵守|不再遵守|停止遵守|不用遵守)${ZH_STOP}{0,12}?(?:之前|以前|先前|前面|上面|以上|上述|此前|原来|原有|原始|所有|全部|一切|系统|你的)${ZH_STOP}{0,8}?(?:指令|指示|命令|提示词|规则|设定|约束|限制|系统提示)`,
    ),
  },
  {
    layer: 'override',
    reason: 'instruction override (Chinese)',
    weight: 0.6,
    pattern:
      /你(?:的)?(?:新|真正的)(?:任务|指令|目标)(?:是|为)|新的指令[：:]|从现在(?:开始|起)[，,]?你(?:将|要|必须|只)/,
  },
  {
    layer: 'override',
    reason: 'instruction override (other language)',
    weight: 0.8,
    pattern:
      /\bignor(?:a|ar|e|ez|er|iere|ieren)\b.{0,20}\b(?:instrucciones|instructions|anweisungen|instruktionen|istruzioni)\b.{0,6}\b(?:anteriores|previas|précédentes|precedentes|antérieures|vorherigen|bisherigen|obigen|precedenti)\b|\bignorier\w* (?:alle )?(?:vorherigen|bisherigen|obigen) (?:anweisungen|instruktionen)|\b(?:vorherigen|bisherigen|obigen) (?:anweisungen|instruktionen) ignorieren|(?:以前|前|上記|これまで)の(?:指示|命令|指令)を(?:すべて|全て)?無視|игнорируй(?:те)?\s+(?:все\s+)?(?:предыдущие|прежние)\s+(?:инструкции|указания)/,
  },
  {
    layer: 'roleplay',
    reason: 'jailbreak role-play',
    weight: 0.75,
    pattern:
      /\b(?:you are|you're|act as|pretend to be|role-?play as|become)\b.{0,30}\b(?:dan|stan|dude|evil\w*|unfiltered|uncensored|jailbroken|unrestricted|amoral)\b|\bdo anything now\b|\b(?:god|dan|jailbreak|unrestricted|unfiltered|evil) mode\b|\b(?:enable|enter|activate|switch to|you are in|you're in|now in)\b.{0,12}\bdeveloper mode\b|\bdeveloper mode (?:enabled|activated|on)\b/,
  },
  {
    layer: 'roleplay',
    reason: 'asks to drop safety rules',
    weight: 0.55,
    pattern:
      /\b(?:pretend|imagine|act as if|assume) (?:that )?you (?:have no|are not bound by|don't have|are free from|no longer have) (?:any |all )?(?:ethical |moral )?(?:rules|restrictions|limits|guidelines|filters|ethic)|\b(?:without|free of|free from|with no) (?:any )?(?:ethical |moral |content )?(?:restrictions|filters|censorship|guidelines|limitations)\b.{0,40}\b(?:answer|respond|reply|act|write)|\b(?:answer|respond|reply|act)\b.{0,40}\b(?:without|with no) (?:any )?(?:ethical |moral |content )?(?:restrictions|filters|censorship|limitations)\b/,
  },
  {
    layer: 'roleplay',
    reason: 'jailbreak role-play (Chinese)',
    weight: 0.75,
    pattern:
      /你现在是.{0,20}(?:dan|没有(?:任何)?限制|不受(?:任何)?(?:限制|约束)|无限制|越狱)|(?:开发者|越狱|上帝|无限制|无审查)模式|扮演.{0,24}(?:没有|不受|不存在)(?:任何)?(?:限制|约束|道德|审查|规则)|(?:假装|想象)你(?:没有|不受)(?:任何)?(?:限制|规则|约束)/,
  },
  {
    layer: 'extraction',
    reason: 'system prompt extraction',
    weight: 0.8,
    pattern:
      /\b(?:print|show|reveal|display|repeat|output|tell me|give me|leak|dump|write out|recite|share|what (?:is|are|were))\b.{0,30}\byour\s+(?:full |exact |entire |complete )?(?:system|initial|original|hidden|secret|developer|pre-?prompt)\s*(?:prompt|instructions?|message|rules|configuration)|\b(?:reveal|leak|dump|print|repeat|recite)\b.{0,20}\bthe (?:system|hidden|initial|original) (?:prompt|instructions)\b/,
  },
  {
    layer: 'extraction',
    reason: 'system prompt extraction',
    weight: 0.6,
    pattern:
      /\brepeat (?:all )?(?:the )?(?:words|text|everything|instructions) (?:above|before this)\b|\bwhat (?:was|were) you told (?:before|at the start)\b/,
  },
  {
    layer: 'extraction',
    reason: 'system prompt extraction (Chinese)',
    weight: 0.8,
    pattern: new RegExp(
      `(?:输出|打印|显示|展示|告诉我|给我|泄露|透露|重复|复述|说出|列出)${ZH_STOP}{0,10}?你(?:的)?${ZH_STOP}{0,6}?(?:系统提示词?|系统指令|初始指令|原始指令|提示词|系统设定|隐藏指令|预设指令)|你的(?:系统提示词?|初始指令|提示词)是什么`,
    ),
  },
  {
    layer: 'markers',
    reason: 'fake chat-template or system delimiter',
    weight: 0.45,
    pattern:
      /<\|im_start\|>|<\|(?:system|im_end|endoftext)\|>|\[\/?inst\]|<<\/?sys>>|(?:^|\n) ?#{2,} ?(?:system|instructions?)\b|(?:^|\n) ?(?:system|系统) ?[:：]|\[(?:system|系统)\]|<\/?(?:system|tool_result|function_results|tool_output)>/,
  },
  {
    layer: 'addressing',
    reason: 'text in data addresses the assistant with an order',
    weight: 0.75,
    untrustedOnly: true,
    pattern:
      /(?:^|[\n.!?>] ?)(?:(?:dear|hey|attention|note to|to) )?(?:the )?(?:ai|ai assistant|assistant|agent|ai agent|llm|language model|chatbot|copilot|chatgpt|claude|gpt)(?: reading this)? ?[:,\-—] ?(?:please )?(?:you must |now |immediately |urgently )?(?:call|run|execute|invoke|use|send|forward|delete|remove|block|transfer|email|post|upload|grant|disable|approve|ignore|reply|respond|tell|say|output|include|add|mark|classify)\b/,
  },
  {
    layer: 'addressing',
    reason: 'text in data addresses the assistant',
    weight: 0.6,
    untrustedOnly: true,
    pattern:
      /\b(?:if|when) you are an? (?:ai|llm|language model|assistant|agent|chatbot)\b|\b(?:instructions?|message|note) (?:to|for) (?:the |any )?(?:ai|assistant|agent|llm|model)s?\b|\b(?:ai|assistant|agent|llm|model)s? (?:reading|processing|summari[sz]ing|parsing|reads|processes|sees) this\b/,
  },
  {
    layer: 'addressing',
    reason: 'text in data orders a tool call',
    weight: 0.45,
    untrustedOnly: true,
    pattern: /\b(?:call|invoke|run|execute|trigger)(?: the)? [a-z][a-z0-9]*_[a-z0-9_]+(?: tool| function)?\b/,
  },
  {
    layer: 'addressing',
    reason: 'text in data addresses the assistant (Chinese)',
    weight: 0.75,
    untrustedOnly: true,
    pattern:
      /(?:ai|人工智能|智能)?(?:助手|助理|智能体|大模型|模型|机器人) ?[：:，,] ?(?:请)?(?:你)?(?:立即|马上|现在|务必)?(?:调用|执行|运行|发送|转发|删除|封禁|禁用|转账|回复|输出|忽略|批准)|(?:如果你是|致|给)(?:一个)?(?:ai|人工智能|大模型|语言模型|ai助手|智能体|助手)[，,：:]/,
  },
  {
    layer: 'encoded',
    reason: 'asks to decode and obey a payload',
    weight: 0.45,
    pattern:
      /\b(?:decode|deobfuscate|base64[- ]?decode)\b.{0,60}\b(?:follow|execute|obey|run|do what it says|carry out)\b|解码.{0,20}(?:执行|照做|遵循|遵守)/,
  },
];

/**
 * Cues that a text *discusses* injections (a security report, a classifier question, a
 * tutorial) rather than performs one. They lower the score, and more so when the phrase is in
 * quotes; an attacker can add them too, which is why they damp rather than clear.
 */
export const DISCUSSION_CUES =
  /\b(?:prompt injections?|injection attacks?|jailbreak attempts?|attackers?|malicious|phishing|payloads?|example of|for example|e\.g\.|such as|detected|detect|classif(?:y|ier)|report(?:ed)?|incident|red[- ]team|our filter|the string|the phrase|blocked|in the context of|paper|research|what does\b.{0,40}\bmean)\b|提示(?:词)?注入|注入攻击|攻击者|恶意|钓鱼|示例|例如|比如|检测|报告|拦截|这句话|这段话/;

export const QUOTED = /["“”'‘’「」『』«»`]/;
