import type { Config } from '../config/index.ts';
import type { Clock, IdGenerator } from '../core/index.ts';
import {
  AgentService,
  type AgentSpecCheck,
  ApplyService,
  ModelAliasService,
  ModelBackendService,
  PolicyService,
  type RegistryTransactions,
  ToolServerService,
  ToolService,
  TriggerService,
} from '../registry/index.ts';
import { checkWorkflowExpressions } from '../runtime/index.ts';
import {
  type ArgumentValidator,
  type BuiltinTool,
  checkToolServerSpec,
  checkToolSpec,
} from '../tools/index.ts';
import { checkPolicySpec } from './policy-check.ts';
import { triggerRules } from './triggers.ts';

/** The registry's services over one store, each checking what is written to it as `apply` does. */
export function wireRegistry(
  transactions: RegistryTransactions,
  deps: {
    clock: Clock;
    ids: IdGenerator;
    config: Config;
    validator: ArgumentValidator;
    builtins: readonly BuiltinTool[];
  },
) {
  const { clock, ids } = deps;
  // Workflow expressions and references are checked when an agent is written, not when it runs.
  const checkSpec: AgentSpecCheck = (spec, prefix) =>
    spec.workflow ? checkWorkflowExpressions(spec.workflow, `${prefix}/spec/workflow`) : [];
  const checkTool = checkToolSpec(
    deps.validator,
    deps.builtins.map((tool) => tool.name),
  );
  const checkToolServer = checkToolServerSpec(deps.config.toolStdioCommands);
  const rules = triggerRules(clock);
  return {
    agents: new AgentService(transactions, clock, ids, checkSpec),
    modelBackends: new ModelBackendService(transactions, clock, ids),
    modelAliases: new ModelAliasService(transactions, clock, ids),
    toolManifests: new ToolService(transactions, clock, ids, checkTool),
    toolServers: new ToolServerService(transactions, clock, ids, checkToolServer),
    policies: new PolicyService(transactions),
    triggers: new TriggerService(transactions, clock, ids, rules),
    apply: new ApplyService(transactions, clock, ids, {
      agent: checkSpec,
      policy: checkPolicySpec,
      tool: checkTool,
      toolServer: checkToolServer,
      trigger: rules,
    }),
  };
}
