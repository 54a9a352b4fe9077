import { describe, expect, it } from 'vitest';
import type { AliasTarget, ModelBackendSpec } from '../../contracts/index.ts';
import type { GatewayBackend } from '../ports.ts';
import { BackendHealth } from './backend-health.ts';
import { earliestRetryMs, expandTargets, pinTarget, planRoute, type RouteTarget } from './route-planner.ts';

const TENANT = 't1';
/** Health is kept per backend key (tenant-qualified), never per bare name. */
const key = (name: string, tenant = TENANT) => `${tenant}/${name}`;

const backend = (
  name: string,
  models: string[],
  extra: Partial<ModelBackendSpec> = {},
  tenant = TENANT,
): GatewayBackend => ({
  name,
  key: key(name, tenant),
  spec: { type: 'openai-compatible', endpoint: 'http://127.0.0.1:1/v1', models, ...extra },
  createdAt: new Date(0),
});

/** Mulberry32: a small seeded PRNG, uniform in [0, 1). */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function setup() {
  const clock = { ms: 0 };
  const health = new BackendHealth({ now: () => clock.ms });
  return { clock, health };
}

function expand(targets: AliasTarget[] | undefined, backends: GatewayBackend[], capabilities?: string[]) {
  const result = expandTargets({ targets, capabilities }, backends);
  if (!Array.isArray(result)) throw new Error(`unexpected problem: ${result.problem}`);
  return result;
}

const ids = (targets: RouteTarget[]) => targets.map((target) => target.id);
const noRandom = () => {
  throw new Error('random() must not be called');
};

describe('expandTargets', () => {
  const backends = [
    backend('vllm', ['llama', 'qwen'], { capabilities: ['security_analysis', 'tools'] }),
    backend('openai', ['gpt'], { capabilities: ['tools'] }),
    backend('ollama', ['phi'], { capabilities: ['security_analysis', 'tools'] }),
  ];

  it("resolves targets, taking the backend's first model when none is named", () => {
    const targets = expand(
      [
        { backend: 'vllm', model: 'qwen', weight: 3 },
        { backend: 'openai' },
        { backend: 'vllm', priority: 0 },
      ],
      backends,
    );
    expect(
      targets.map(({ id, upstreamModel, weight, priority, position }) => ({
        id,
        upstreamModel,
        weight,
        priority,
        position,
      })),
    ).toEqual([
      { id: 'vllm/qwen', upstreamModel: 'qwen', weight: 3, priority: 0, position: 0 },
      { id: 'openai/gpt', upstreamModel: 'gpt', weight: 1, priority: 1, position: 1 },
      { id: 'vllm/llama', upstreamModel: 'llama', weight: 1, priority: 0, position: 2 },
    ]);
    expect(targets[1]?.backend).toBe(backends[1]);
  });

  it('skips missing backends, unserved models, lacking capabilities and duplicates while others remain', () => {
    const targets = expand(
      [
        { backend: 'gone' },
        { backend: 'vllm', model: 'nope' },
        { backend: 'openai' },
        { backend: 'ollama' },
        { backend: 'ollama', model: 'phi' },
      ],
      backends,
      ['security_analysis'],
    );
    expect(ids(targets)).toEqual(['ollama/phi']);
    expect(targets[0]?.position).toBe(3);
  });

  it('names every reason in the problem when nothing is left', () => {
    const result = expandTargets(
      {
        targets: [{ backend: 'gone' }, { backend: 'vllm', model: 'nope' }, { backend: 'openai' }],
        capabilities: ['security_analysis', 'vision'],
      },
      backends,
    );
    expect(result).toEqual({
      problem:
        'no target of the alias is usable: backend `gone` does not exist; backend `vllm` does not serve `nope`; ' +
        'backend `openai` lacks capabilities security_analysis, vision',
    });
  });

  it('without targets, takes every backend with all capabilities, first model each, by name', () => {
    const targets = expand(undefined, backends, ['security_analysis']);
    expect(ids(targets)).toEqual(['ollama/phi', 'vllm/llama']);
    expect(targets.map((t) => [t.position, t.priority, t.weight])).toEqual([
      [0, 0, 1],
      [1, 1, 1],
    ]);
    expect(ids(expand([], backends, ['tools']))).toEqual(['ollama/phi', 'openai/gpt', 'vllm/llama']);
  });

  it('reports when no backend has every capability', () => {
    expect(expandTargets({ capabilities: ['tools', 'vision'] }, backends)).toEqual({
      problem: 'no model backend has every capability the alias requires: tools, vision',
    });
    expect(expandTargets({ capabilities: [] }, [])).toEqual({ problem: 'the tenant has no model backends' });
  });
});

describe('planRoute', () => {
  it('priority: by priority, then position', () => {
    const { health } = setup();
    const targets = expand(
      [
        { backend: 'a', priority: 5 },
        { backend: 'b', priority: 1 },
        { backend: 'c', priority: 5 },
        { backend: 'd', priority: 0 },
      ],
      [backend('a', ['m']), backend('b', ['m']), backend('c', ['m']), backend('d', ['m'])],
    );
    expect(ids(planRoute('priority', targets, { health, random: noRandom }))).toEqual([
      'd/m',
      'b/m',
      'a/m',
      'c/m',
    ]);
  });

  it('cost_optimized: by blended price, unpriced last, ties by priority then position', () => {
    const { health } = setup();
    const backends = [
      backend('free', ['m']),
      backend('split', ['m'], { cost_per_1k: { input: 1, output: 3 } }),
      backend('flat3', ['m'], { cost_per_1k: 3 }),
      backend('flat2', ['m'], { cost_per_1k: 2 }),
      backend('cheap', ['m'], { cost_per_1k: { input: 0.5, output: 0.5 } }),
      backend('flat2b', ['m'], { cost_per_1k: 2 }),
    ];
    const targets = expand(
      [
        { backend: 'free' },
        { backend: 'split', priority: 9 },
        { backend: 'flat3' },
        { backend: 'flat2', priority: 7 },
        { backend: 'cheap' },
        { backend: 'flat2b', priority: 8 },
      ],
      backends,
    );
    expect(ids(planRoute('cost_optimized', targets, { health, random: noRandom }))).toEqual([
      'cheap/m',
      'flat2/m',
      'flat2b/m',
      'split/m',
      'flat3/m',
      'free/m',
    ]);
  });

  it('cost_optimized: an unpriced backend sorts after a priced one whatever their order', () => {
    const { health } = setup();
    const backends = [backend('free', ['m']), backend('paid', ['m'], { cost_per_1k: 1000 })];
    for (const order of [
      ['free', 'paid'],
      ['paid', 'free'],
    ]) {
      const targets = expand(
        order.map((name) => ({ backend: name })),
        backends,
      );
      expect(ids(planRoute('cost_optimized', targets, { health, random: noRandom }))).toEqual([
        'paid/m',
        'free/m',
      ]);
    }
  });

  it('latency_optimized: by EWMA × (1 + in-flight), unsampled first, ties by in-flight then position', () => {
    const { health } = setup();
    const backends = ['slow', 'busy', 'fast', 'new', 'tie'].map((name) => backend(name, ['m']));
    health.begin(key('slow'))?.succeeded(300);
    health.begin(key('busy'))?.succeeded(100);
    health.begin(key('busy'));
    health.begin(key('busy'));
    health.begin(key('fast'))?.succeeded(150);
    health.begin(key('tie'))?.succeeded(100);
    health.begin(key('tie'));
    health.begin(key('tie'));
    health.begin(key('fast'));
    const targets = expand(
      backends.map((b) => ({ backend: b.name })),
      backends,
    );
    // new: 0; fast: 150 × 2 = 300; busy and tie: 100 × 3 = 300 with 2 in flight; slow: 300 × 1.
    expect(ids(planRoute('latency_optimized', targets, { health, random: noRandom }))).toEqual([
      'new/m',
      'slow/m',
      'fast/m',
      'busy/m',
      'tie/m',
    ]);
  });

  it('weighted: the primary follows the weights, the rest by weight then position', () => {
    const { health } = setup();
    const backends = ['a', 'b', 'c', 'd'].map((name) => backend(name, ['m']));
    const targets = expand(
      [
        { backend: 'a', weight: 0 },
        { backend: 'b', weight: 80 },
        { backend: 'c', weight: 20 },
        { backend: 'd', weight: 20 },
      ],
      backends,
    );
    const plan = (r: number) => ids(planRoute('weighted', targets, { health, random: () => r }));
    expect(plan(0)).toEqual(['b/m', 'c/m', 'd/m', 'a/m']);
    expect(plan(79.99 / 120)).toEqual(['b/m', 'c/m', 'd/m', 'a/m']);
    expect(plan(80 / 120)).toEqual(['c/m', 'b/m', 'd/m', 'a/m']);
    expect(plan(100 / 120)).toEqual(['d/m', 'b/m', 'c/m', 'a/m']);
    expect(plan(0.999999999)).toEqual(['d/m', 'b/m', 'c/m', 'a/m']);
  });

  it('weighted: an 80/20 split lands within ±2 % over 10,000 seeded draws; weight 0 is never primary', () => {
    const { health } = setup();
    const backends = ['canary', 'stable', 'spare'].map((name) => backend(name, ['m']));
    const targets = expand(
      [
        { backend: 'canary', weight: 20 },
        { backend: 'spare', weight: 0 },
        { backend: 'stable', weight: 80 },
      ],
      backends,
    );
    const random = seeded(42);
    const primaries = new Map<string, number>();
    for (let i = 0; i < 10_000; i++) {
      const id = planRoute('weighted', targets, { health, random })[0]?.id ?? 'none';
      primaries.set(id, (primaries.get(id) ?? 0) + 1);
    }
    expect(primaries.get('spare/m')).toBeUndefined();
    expect(Math.abs((primaries.get('stable/m') ?? 0) / 10_000 - 0.8)).toBeLessThanOrEqual(0.02);
    expect(Math.abs((primaries.get('canary/m') ?? 0) / 10_000 - 0.2)).toBeLessThanOrEqual(0.02);
  });

  it('weighted: falls back to weight-0 targets when every weighted one is open', () => {
    const { health } = setup();
    const backends = ['main', 'spare'].map((name) => backend(name, ['m']));
    const targets = expand(
      [
        { backend: 'main', weight: 1 },
        { backend: 'spare', weight: 0 },
      ],
      backends,
    );
    health.begin(key('main'), { failureThreshold: 1 })?.failed();
    expect(ids(planRoute('weighted', targets, { health, random: noRandom }))).toEqual(['spare/m']);
  });

  it('leaves out targets whose circuit is open and does not reorder the input', () => {
    const { health } = setup();
    const backends = ['a', 'b', 'c'].map((name) => backend(name, ['m', 'n']));
    const targets = expand(
      [{ backend: 'a' }, { backend: 'b' }, { backend: 'b', model: 'n' }, { backend: 'c', priority: 0 }],
      backends,
    );
    health.begin(key('b'), { failureThreshold: 1 })?.failed();
    expect(ids(planRoute('priority', targets, { health, random: noRandom }))).toEqual(['a/m', 'c/m']);
    expect(ids(targets)).toEqual(['a/m', 'b/m', 'b/n', 'c/m']);
  });

  it("reads health by the backend's key, so another tenant's backend of the same name does not count", () => {
    const { health } = setup();
    const mine = [backend('shared', ['m']), backend('other', ['m'])];
    const targets = expand([{ backend: 'shared' }, { backend: 'other' }], mine);
    health.begin(key('shared', 't2'), { failureThreshold: 1 })?.failed(5000);
    health.begin(key('other'))?.succeeded(10);
    expect(ids(planRoute('priority', targets, { health, random: noRandom }))).toEqual([
      'shared/m',
      'other/m',
    ]);
    expect(ids(planRoute('latency_optimized', targets, { health, random: noRandom }))).toEqual([
      'shared/m',
      'other/m',
    ]);
    health.begin(key('shared'), { failureThreshold: 1 })?.failed();
    expect(ids(planRoute('priority', targets, { health, random: noRandom }))).toEqual(['other/m']);
  });

  it('returns nothing when every circuit is open; earliestRetryMs is the soonest reopening', () => {
    const { clock, health } = setup();
    const backends = ['a', 'b'].map((name) => backend(name, ['m']));
    const targets = expand([{ backend: 'a' }, { backend: 'b' }], backends);
    expect(earliestRetryMs(targets, health)).toBe(0);
    health.begin(key('a'), { failureThreshold: 1, cooldownMs: 10_000 })?.failed();
    clock.ms += 1000;
    expect(earliestRetryMs(targets, health)).toBe(0);
    health.begin(key('b'), { failureThreshold: 1, cooldownMs: 5000 })?.failed();
    clock.ms += 1000;
    expect(planRoute('cost_optimized', targets, { health, random: noRandom })).toEqual([]);
    expect(earliestRetryMs(targets, health)).toBe(4000);
    clock.ms += 4000;
    expect(ids(planRoute('weighted', targets, { health, random: () => 0 }))).toEqual(['b/m']);
    expect(earliestRetryMs([], health)).toBe(0);
  });
});

describe('pinTarget', () => {
  it('returns the target with that backend/model id, or null', () => {
    const backends = [backend('a', ['m', 'org/x']), backend('b', ['m'])];
    const targets = expand([{ backend: 'a', model: 'org/x' }, { backend: 'b' }], backends);
    expect(pinTarget(targets, 'a/org/x')).toBe(targets[0]);
    expect(pinTarget(targets, 'b/m')).toBe(targets[1]);
    expect(pinTarget(targets, 'a/m')).toBeNull();
    expect(pinTarget(targets, 'm')).toBeNull();
  });
});
