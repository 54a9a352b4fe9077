import { z } from 'zod';
import { DurationSchema } from './common.ts';

/** Node ids are identifiers, so expressions can say `nodes.lookup.output`. */
export const NodeIdSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,62}$/, 'node ids are lowercase identifiers: letters, digits and _')
  .describe('Node id, referenced as nodes.<id> in expressions');

const Common = {
  id: NodeIdSchema,
  description: z.string().max(1024).optional(),
};

/**
 * Values may hold `${...}` references: `${input.ip}`, `${nodes.lookup.output.score}`, `${item}`
 * (inside map). A string that is exactly one reference takes the referenced value as is;
 * otherwise references are interpolated as text.
 */
const TemplateValue = z.unknown().describe('Any JSON value; strings may contain ${...} references');

export const ToolNodeSchema = z.strictObject({
  ...Common,
  type: z.literal('tool'),
  tool: z.string().min(1).max(253),
  args: z.record(z.string(), TemplateValue).optional(),
  next: NodeIdSchema.optional(),
});

export const LlmNodeSchema = z.strictObject({
  ...Common,
  type: z.literal('llm'),
  prompt: z.string().min(1).max(100_000).describe('User message; may hold ${...} references'),
  system: z.string().max(100_000).optional(),
  output: z.enum(['text', 'json']).default('text').describe('json: the answer is parsed as JSON'),
  without_model: TemplateValue.optional().describe(
    "The node's output when the agent has no model backend, instead of failing the run; say plainly that no model ran. A backend that exists but fails still fails the node",
  ),
  next: NodeIdSchema.optional(),
});

export const ConditionNodeSchema = z.strictObject({
  ...Common,
  type: z.literal('condition'),
  expression: z
    .string()
    .min(1)
    .max(4096)
    .describe('CEL over input and nodes, e.g. nodes.lookup.output.score > 50'),
  // biome-ignore lint/suspicious/noThenProperty: `then` is the YAML key users write; its value is a string, never a thenable.
  then: NodeIdSchema,
  else: NodeIdSchema.optional().describe('Omitted: the workflow ends when the expression is false'),
});

export const ApprovalNodeSchema = z.strictObject({
  ...Common,
  type: z.literal('approval'),
  message: z.string().min(1).max(10_000),
  approvers: z
    .array(
      z
        .string()
        .regex(/^(role|group|principal):[^\s*?]+$/, 'an approver is role:NAME, group:NAME or principal:NAME'),
    )
    .min(1)
    .max(50)
    .optional()
    .describe('Who may decide (default: role:approver, role:operator, role:admin)'),
  min_approvals: z.number().int().min(1).max(10).optional().describe('Distinct approvals needed (default 1)'),
  timeout: DurationSchema.optional().describe('How long to wait (default 7d); then on_timeout'),
  on_timeout: z.enum(['reject', 'approve']).optional().describe('What expiry means (default reject)'),
  next: NodeIdSchema.optional(),
  onReject: NodeIdSchema.optional().describe('Where to go when rejected; omitted: the run fails'),
});

export const ParallelNodeSchema = z.strictObject({
  ...Common,
  type: z.literal('parallel'),
  branches: z
    .array(NodeIdSchema)
    .min(1)
    .max(64)
    .describe('Nodes run at once (their own next is not followed)'),
  next: NodeIdSchema.optional(),
});

/** What a map node runs for each item: a tool or llm node without id and next. */
export const MapBodySchema = z.discriminatedUnion('type', [
  ToolNodeSchema.omit({ id: true, next: true, description: true }),
  LlmNodeSchema.omit({ id: true, next: true, description: true }),
]);

export const MapNodeSchema = z.strictObject({
  ...Common,
  type: z.literal('map'),
  items: z.string().min(1).describe('Reference to an array, e.g. ${input.ips}'),
  node: MapBodySchema,
  concurrency: z.number().int().min(1).max(64).default(4),
  next: NodeIdSchema.optional(),
});

export const WorkflowNodeSchema = z.discriminatedUnion('type', [
  ToolNodeSchema,
  LlmNodeSchema,
  ConditionNodeSchema,
  ApprovalNodeSchema,
  ParallelNodeSchema,
  MapNodeSchema,
]);
export type WorkflowNode = z.infer<typeof WorkflowNodeSchema>;

export const WorkflowSchema = z
  .strictObject({
    start: NodeIdSchema.optional().describe('First node; default: the first in the list'),
    nodes: z.array(WorkflowNodeSchema).min(1).max(500),
    output: TemplateValue.optional().describe('The run output; default: the last node output'),
  })
  .superRefine((workflow, ctx) => {
    const ids = new Set<string>();
    workflow.nodes.forEach((node, index) => {
      if (ids.has(node.id))
        ctx.addIssue({
          code: 'custom',
          path: ['nodes', index, 'id'],
          message: `duplicate node id ${node.id}`,
        });
      ids.add(node.id);
    });
    const check = (target: string | undefined, path: (string | number)[]) => {
      if (target !== undefined && !ids.has(target))
        ctx.addIssue({ code: 'custom', path, message: `no node with id ${target}` });
    };
    check(workflow.start, ['start']);
    workflow.nodes.forEach((node, index) => {
      if ('next' in node) check(node.next, ['nodes', index, 'next']);
      if (node.type === 'condition') {
        check(node.then, ['nodes', index, 'then']);
        check(node.else, ['nodes', index, 'else']);
      }
      if (node.type === 'approval') check(node.onReject, ['nodes', index, 'onReject']);
      if (node.type === 'parallel') {
        for (const [i, branch] of node.branches.entries()) {
          const path = ['nodes', index, 'branches', i];
          check(branch, path);
          // Its own branch would start it again, endlessly; a repeated branch would run twice at once.
          if (branch === node.id)
            ctx.addIssue({ code: 'custom', path, message: 'a parallel node cannot be its own branch' });
          else if (node.branches.indexOf(branch) !== i)
            ctx.addIssue({ code: 'custom', path, message: `branch ${branch} is listed twice` });
        }
      }
    });
  })
  .describe('A declarative SOP: nodes run in order of next / then / else, each a checkpointed step');
export type Workflow = z.infer<typeof WorkflowSchema>;
