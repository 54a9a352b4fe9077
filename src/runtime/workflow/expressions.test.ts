// biome-ignore-all lint/suspicious/noThenProperty: condition nodes have a `then` key (a node id), as users write it in YAML.
import { Environment } from '@marcbachmann/cel-js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Workflow, WorkflowSchema } from '../../contracts/index.ts';
import { ConditionEvaluator, checkWorkflowExpressions } from './expressions.ts';

const scope = {
  input: { severity: 'high', tags: ['db', 'prod'] },
  nodes: { lookup: { output: { score: 72, country: 'NL' } } },
};

describe('ConditionEvaluator', () => {
  afterEach(() => vi.restoreAllMocks());

  it('evaluates CEL over input and node outputs', () => {
    const conditions = new ConditionEvaluator();
    expect(conditions.evaluate('check', 'nodes.lookup.output.score > 50', scope)).toBe(true);
    expect(conditions.evaluate('check', "input.severity == 'low'", scope)).toBe(false);
    expect(
      conditions.evaluate('check', "'prod' in input.tags && nodes.lookup.output.country == 'NL'", scope),
    ).toBe(true);
  });

  it('parses each expression text once, however often it is evaluated', () => {
    const parse = vi.spyOn(Environment.prototype, 'parse');
    const conditions = new ConditionEvaluator();
    for (let score = 0; score < 5; score += 1) {
      conditions.evaluate('check', 'nodes.lookup.output.score > 50', {
        input: {},
        nodes: { lookup: { output: { score } } },
      });
    }
    conditions.evaluate('other', 'nodes.lookup.output.score > 50', scope);
    expect(parse).toHaveBeenCalledTimes(1);
  });

  it('fails naming the node when the result is not a boolean', () => {
    const conditions = new ConditionEvaluator();
    expect(() => conditions.evaluate('severity', 'input.severity', scope)).toThrow(
      'condition severity: input.severity must yield a boolean, got a string',
    );
  });

  it('fails naming the node when evaluation fails or the text does not parse', () => {
    const conditions = new ConditionEvaluator();
    expect(() => conditions.evaluate('route', 'nodes.geo.output.ok', scope)).toThrow(
      'condition route: nodes.geo.output.ok failed: No such key: geo',
    );
    expect(() => conditions.evaluate('route', 'input.x >', scope)).toThrow(
      'condition route: input.x > does not parse: Unexpected token: EOF',
    );
  });
});

function workflow(nodes: unknown[], output?: unknown): Workflow {
  return WorkflowSchema.parse({ nodes, ...(output === undefined ? {} : { output }) });
}

describe('checkWorkflowExpressions', () => {
  it('accepts the incident-report example', () => {
    const incident = workflow(
      [
        {
          id: 'summary',
          type: 'tool',
          tool: 'echo',
          args: { text: 'Incident ${input.id}: ${input.title}' },
          next: 'severity',
        },
        {
          id: 'severity',
          type: 'condition',
          expression: "input.severity == 'high'",
          then: 'escalate',
          else: 'done',
        },
        { id: 'escalate', type: 'approval', message: 'Escalate incident ${input.id}?', next: 'done' },
        { id: 'done', type: 'tool', tool: 'echo', args: { text: 'Report filed for ${input.id}' } },
      ],
      '${nodes.done.output}',
    );
    expect(checkWorkflowExpressions(incident)).toEqual([]);
  });

  it('reports a condition that does not parse with its pointer and column', () => {
    const bad = workflow([
      { id: 'first', type: 'tool', tool: 'echo', next: 'check' },
      { id: 'check', type: 'condition', expression: 'nodes.first.output ==== 1', then: 'first' },
    ]);
    expect(checkWorkflowExpressions(bad)).toEqual([
      {
        pointer: '/spec/workflow/nodes/1/expression',
        detail: 'CEL error at column 22: Unexpected token: EQ',
      },
    ]);
  });

  it('reports unknown variables, unknown nodes and non-boolean conditions', () => {
    const bad = workflow([
      { id: 'a', type: 'condition', expression: 'inputs.severity == "high"', then: 'b' },
      { id: 'b', type: 'condition', expression: "nodes.geo.output.ok || nodes['lookup'].output", then: 'c' },
      { id: 'c', type: 'condition', expression: '1 + 2', then: 'a' },
    ]);
    expect(checkWorkflowExpressions(bad, '')).toEqual([
      { pointer: '/nodes/0/expression', detail: 'CEL error at column 1: Unknown variable: inputs' },
      { pointer: '/nodes/1/expression', detail: 'no node with id geo' },
      { pointer: '/nodes/1/expression', detail: 'no node with id lookup' },
      { pointer: '/nodes/2/expression', detail: 'a condition must be a boolean expression, this one is int' },
    ]);
  });

  it('reports malformed and dangling references in templates', () => {
    const bad = workflow(
      [
        {
          id: 'a',
          type: 'tool',
          tool: 'echo',
          args: { text: 'hi ${input.x', nested: ['${nodes.nope.output}'] },
          next: 'b',
        },
        { id: 'b', type: 'llm', prompt: 'Explain ${item}', next: 'c' },
        {
          id: 'c',
          type: 'map',
          items: '${nodes.a.output.list}',
          node: { type: 'tool', tool: 'echo', args: { text: '${item.ip} ${index} ${nodes.zzz.output}' } },
        },
      ],
      { report: '${env.SECRET}' },
    );
    expect(checkWorkflowExpressions(bad)).toEqual([
      { pointer: '/spec/workflow/nodes/0/args/text', detail: 'reference at "${input.x" has no closing }' },
      {
        pointer: '/spec/workflow/nodes/1/prompt',
        detail: "${item}: item exists only inside a map node's body",
      },
      {
        pointer: '/spec/workflow/nodes/2/node/args/text',
        detail: '${nodes.zzz.output}: no node with id zzz',
      },
      {
        pointer: '/spec/workflow/output/report',
        detail: 'reference ${env.SECRET} is malformed: unknown root "env" (use input, nodes, item or index)',
      },
    ]);
  });
});
