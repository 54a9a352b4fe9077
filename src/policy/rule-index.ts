import type { CompiledGate, CompiledRbacRule, CompiledScope } from './compiled.ts';
import { anyGlob } from './glob.ts';

export interface ToolRules {
  readonly rbac: readonly CompiledRbacRule[];
  readonly scopes: readonly CompiledScope[];
  readonly gates: readonly CompiledGate[];
}

/** More distinct tool or model names than this and the memo starts over (it only saves time). */
const MAX_MEMO_ENTRIES = 4096;

/**
 * Which rules of one policy can apply to a tool (or model), by name. Glob tests run once per name;
 * later decisions for that name only check subjects, arguments and conditions. The memo holds
 * nothing a decision could not recompute, so clearing it changes no outcome.
 */
export class RuleIndex {
  private readonly tools = new Map<string, ToolRules>();
  private readonly models = new Map<string, readonly CompiledRbacRule[]>();

  constructor(
    private readonly rbac: readonly CompiledRbacRule[],
    private readonly scopes: readonly CompiledScope[],
    private readonly gates: readonly CompiledGate[],
  ) {}

  forTool(name: string): ToolRules {
    let rules = this.tools.get(name);
    if (rules === undefined) {
      rules = {
        rbac: this.rbac.filter((rule) => rule.tools !== undefined && anyGlob(rule.tools, name)),
        scopes: this.scopes.filter((scope) => scope.tool.test(name)),
        gates: this.gates.filter((gate) => gate.tool.test(name)),
      };
      if (this.tools.size >= MAX_MEMO_ENTRIES) this.tools.clear();
      this.tools.set(name, rules);
    }
    return rules;
  }

  /** `model` is `BACKEND/MODEL`. */
  forModel(model: string): readonly CompiledRbacRule[] {
    let rules = this.models.get(model);
    if (rules === undefined) {
      rules = this.rbac.filter((rule) => rule.models !== undefined && anyGlob(rule.models, model));
      if (this.models.size >= MAX_MEMO_ENTRIES) this.models.clear();
      this.models.set(model, rules);
    }
    return rules;
  }
}
