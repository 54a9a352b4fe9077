import { type ASTNode, Environment, type ParseResult } from '@marcbachmann/cel-js';
import type { FieldError, Workflow } from '../../contracts/index.ts';
import { assertNever } from '../../core/index.ts';
import { WorkflowNodeError } from './errors.ts';
import { parseTemplate, referencesIn, TemplateError, type TemplateScope } from './template.ts';

/**
 * Condition expressions are CEL over `input` (the run input) and `nodes` (`nodes.<id>.output`).
 * JSON numbers are CEL doubles: `score > 50` works, arithmetic with an int literal needs `50.0`.
 */
function conditionEnvironment(): Environment {
  return new Environment().registerVariable('input', 'dyn').registerVariable('nodes', 'map<string, dyn>');
}

/** Bounds the parse cache of one runtime; a workflow has at most 500 nodes. */
const MAX_CACHED_EXPRESSIONS = 2_000;

/**
 * Parses each condition once and evaluates it many times. The cache is keyed by expression text,
 * so every run of a workflow (and every visit of a node in a loop) reuses one parse.
 */
export class ConditionEvaluator {
  private readonly environment = conditionEnvironment();
  private readonly compiled = new Map<string, ParseResult>();

  /** Throws WorkflowNodeError naming the node unless the expression yields a boolean. */
  evaluate(nodeId: string, expression: string, scope: Pick<TemplateScope, 'input' | 'nodes'>): boolean {
    const program = this.compile(nodeId, expression);
    let result: unknown;
    try {
      result = program({ input: scope.input ?? null, nodes: scope.nodes });
    } catch (error) {
      throw new WorkflowNodeError(nodeId, `condition ${nodeId}: ${expression} failed: ${summary(error)}`, {
        cause: error,
      });
    }
    if (typeof result !== 'boolean') {
      throw new WorkflowNodeError(
        nodeId,
        `condition ${nodeId}: ${expression} must yield a boolean, got ${typeName(result)}`,
      );
    }
    return result;
  }

  private compile(nodeId: string, expression: string): ParseResult {
    const cached = this.compiled.get(expression);
    if (cached) return cached;
    let program: ParseResult;
    try {
      program = this.environment.parse(expression);
    } catch (error) {
      throw new WorkflowNodeError(
        nodeId,
        `condition ${nodeId}: ${expression} does not parse: ${summary(error)}`,
        {
          cause: error,
        },
      );
    }
    if (this.compiled.size >= MAX_CACHED_EXPRESSIONS) this.compiled.clear();
    this.compiled.set(expression, program);
    return program;
  }
}

/**
 * Apply-time checks of a workflow's expressions, as field errors with RFC 6901 pointers under
 * `prefix`: CEL conditions that do not parse or type-check, or that name unknown nodes; `${...}`
 * references that are malformed, name unknown nodes, or use `item` / `index` outside a map body.
 * Pure: no I/O, no evaluation. Returns [] when all is well.
 */
export function checkWorkflowExpressions(workflow: Workflow, prefix = '/spec/workflow'): FieldError[] {
  const environment = conditionEnvironment();
  const ids = new Set(workflow.nodes.map((node) => node.id));
  const problems: FieldError[] = [];
  const checkTemplates = (value: unknown, pointer: string, inMap: boolean) => {
    problems.push(...templateProblems(value, pointer, ids, inMap));
  };

  workflow.nodes.forEach((node, index) => {
    const at = `${prefix}/nodes/${index}`;
    switch (node.type) {
      case 'condition':
        problems.push(...conditionProblems(environment, node.expression, `${at}/expression`, ids));
        break;
      case 'tool':
        checkTemplates(node.args, `${at}/args`, false);
        break;
      case 'llm':
        checkTemplates(node.prompt, `${at}/prompt`, false);
        checkTemplates(node.system, `${at}/system`, false);
        break;
      case 'approval':
        checkTemplates(node.message, `${at}/message`, false);
        break;
      case 'map':
        checkTemplates(node.items, `${at}/items`, false);
        if (node.node.type === 'tool') checkTemplates(node.node.args, `${at}/node/args`, true);
        else {
          checkTemplates(node.node.prompt, `${at}/node/prompt`, true);
          checkTemplates(node.node.system, `${at}/node/system`, true);
        }
        break;
      case 'parallel':
        break;
      default:
        assertNever(node);
    }
  });
  checkTemplates(workflow.output, `${prefix}/output`, false);
  return problems;
}

function conditionProblems(
  environment: Environment,
  expression: string,
  pointer: string,
  ids: ReadonlySet<string>,
): FieldError[] {
  let program: ParseResult;
  try {
    program = environment.parse(expression);
  } catch (error) {
    return [{ pointer, detail: `CEL ${position(error)}${summary(error)}` }];
  }
  const unknown = [...nodeNamesIn(program.ast)].filter((id) => !ids.has(id));
  if (unknown.length > 0) {
    return unknown.map((id) => ({ pointer, detail: `no node with id ${id}` }));
  }
  const checked = environment.check(expression);
  if (!checked.valid) {
    return [{ pointer, detail: `CEL ${position(checked.error)}${summary(checked.error)}` }];
  }
  if (checked.type !== 'bool' && checked.type !== 'dyn') {
    return [{ pointer, detail: `a condition must be a boolean expression, this one is ${checked.type}` }];
  }
  return [];
}

/** Node ids the expression selects as `nodes.<id>` or `nodes['<id>']`. */
function nodeNamesIn(ast: ASTNode): Set<string> {
  const names = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const child of node) visit(child);
      return;
    }
    if (!isAstNode(node)) return;
    if (node.op === '.' && isNodesVariable(node.args[0])) names.add(node.args[1]);
    if (node.op === '[]' && isNodesVariable(node.args[0])) {
      const key = node.args[1];
      if (key.op === 'value' && typeof key.args === 'string') names.add(key.args);
    }
    visit(node.args);
  };
  visit(ast);
  return names;
}

function isNodesVariable(node: ASTNode): boolean {
  return node.op === 'id' && node.args === 'nodes';
}

function isAstNode(value: unknown): value is ASTNode {
  return typeof value === 'object' && value !== null && 'op' in value && 'args' in value;
}

function templateProblems(
  value: unknown,
  pointer: string,
  ids: ReadonlySet<string>,
  inMap: boolean,
): FieldError[] {
  if (value === undefined) return [];
  let references: ReturnType<typeof referencesIn>;
  try {
    references = referencesIn(value, pointer);
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    // referencesIn stops at the first bad string; find which one for the pointer.
    return [{ pointer: firstBadString(value, pointer) ?? pointer, detail: error.message }];
  }
  return references.flatMap(({ pointer: at, reference }) => {
    const shown = `\${${reference.text}}`;
    if ((reference.root === 'item' || reference.root === 'index') && !inMap) {
      return [{ pointer: at, detail: `${shown}: ${reference.root} exists only inside a map node's body` }];
    }
    const [id] = reference.path;
    if (reference.root === 'nodes' && typeof id === 'string' && !ids.has(id)) {
      return [{ pointer: at, detail: `${shown}: no node with id ${id}` }];
    }
    return [];
  });
}

function firstBadString(value: unknown, pointer: string): string | undefined {
  if (typeof value === 'string') {
    try {
      parseTemplate(value);
      return undefined;
    } catch {
      return pointer;
    }
  }
  const entries = Array.isArray(value)
    ? value.map((entry, index) => [String(index), entry] as const)
    : typeof value === 'object' && value !== null
      ? Object.entries(value)
      : [];
  for (const [key, entry] of entries) {
    const found = firstBadString(entry, `${pointer}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`);
    if (found) return found;
  }
  return undefined;
}

/** "at column N: " from a cel-js error's source range (1-based), or "" without one. */
function position(error: unknown): string {
  const start =
    typeof error === 'object' && error !== null && 'range' in error
      ? (error.range as { start?: unknown } | undefined)?.start
      : undefined;
  return typeof start === 'number' ? `error at column ${start + 1}: ` : 'error: ';
}

/** cel-js messages carry a code frame after the first line; the summary is the first line. */
function summary(error: unknown): string {
  if (error instanceof Error) return (error.message.split('\n')[0] ?? error.message).trim();
  return String(error);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'bigint') return 'an int';
  return `a ${typeof value}`;
}
