import { describe, expect, it } from 'vitest';
import {
  parseReference,
  referencesIn,
  renderTemplate,
  resolveTemplate,
  type TemplateScope,
} from './template.ts';

const scope: TemplateScope = {
  input: {
    id: 'INC-7',
    title: 'Disk full',
    ips: ['10.0.0.1', '10.0.0.2'],
    'user-agent': 'curl',
    nothing: null,
  },
  nodes: {
    lookup: { output: { score: 72, items: [{ ip: '10.0.0.1', tags: ['a'] }], ok: true } },
    summary: { output: 'Incident INC-7' },
  },
};

describe('resolveTemplate', () => {
  it('yields the raw value when a string is exactly one reference', () => {
    expect(resolveTemplate('${nodes.lookup.output.score}', scope)).toBe(72);
    expect(resolveTemplate('${nodes.lookup.output.items[0]}', scope)).toEqual({
      ip: '10.0.0.1',
      tags: ['a'],
    });
    expect(resolveTemplate('${input.ips}', scope)).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(resolveTemplate('${input.nothing}', scope)).toBeNull();
  });

  it('interpolates references inside longer strings, JSON-encoding objects', () => {
    expect(resolveTemplate('Incident ${input.id}: ${input.title}', scope)).toBe('Incident INC-7: Disk full');
    expect(resolveTemplate('score=${nodes.lookup.output.score} ok=${nodes.lookup.output.ok}', scope)).toBe(
      'score=72 ok=true',
    );
    expect(resolveTemplate('first: ${nodes.lookup.output.items[0]}', scope)).toBe(
      'first: {"ip":"10.0.0.1","tags":["a"]}',
    );
    expect(renderTemplate('${nodes.lookup.output.score}', scope)).toBe('72');
  });

  it('walks arrays and objects, leaving non-strings and keys alone', () => {
    const value = {
      text: '${input.id}',
      list: ['${nodes.lookup.output.items[0].ip}', 3, true],
      '${key}': null,
    };
    expect(resolveTemplate(value, scope)).toEqual({
      text: 'INC-7',
      list: ['10.0.0.1', 3, true],
      '${key}': null,
    });
  });

  it('supports quoted keys, nested indexes and whitespace inside the braces', () => {
    expect(resolveTemplate("${input['user-agent']}", scope)).toBe('curl');
    expect(resolveTemplate('${input.user-agent}', scope)).toBe('curl');
    expect(resolveTemplate('${ nodes.lookup.output.items[0].tags[0] }', scope)).toBe('a');
  });

  it('takes a bare root as the whole value, such as a plain-text run input', () => {
    expect(resolveTemplate('${input}', { input: 'Disk full on db-1', nodes: {} })).toBe('Disk full on db-1');
    expect(resolveTemplate('Summarise: ${input}', { input: { a: 1 }, nodes: {} })).toBe('Summarise: {"a":1}');
  });

  it('reads item and index inside a map body', () => {
    const inMap = { ...scope, item: { ip: '10.0.0.9' }, index: 2 };
    expect(resolveTemplate('${item.ip}#${index}', inMap)).toBe('10.0.0.9#2');
    expect(resolveTemplate('${index}', inMap)).toBe(2);
  });

  it('writes $${ as a literal ${', () => {
    expect(resolveTemplate('echo $${HOME} for ${input.id}', scope)).toBe('echo ${HOME} for INC-7');
  });

  it.each([
    ['${input.idd}', 'reference ${input.idd} not found: input has no key "idd"'],
    ['${nodes.geo.output}', 'reference ${nodes.geo.output} not found: node geo has not run'],
    [
      '${nodes.lookup.output.items[3].ip}',
      'reference ${nodes.lookup.output.items[3].ip} not found: nodes.lookup.output.items has 1 items, no index 3',
    ],
    ['${input.id.length}', 'reference ${input.id.length} not found: input.id is a string, not an object'],
    ['${input.nothing.x}', 'reference ${input.nothing.x} not found: input.nothing is null, not an object'],
    ['${input.title[0]}', 'reference ${input.title[0]} not found: input.title is not a list'],
    ['${item}', 'reference ${item} not found: item exists only inside a map node'],
  ])('fails %s with an error naming the reference', (template, message) => {
    expect(() => resolveTemplate(`x ${template}`, scope)).toThrow(message);
  });

  it('never reaches the prototype chain', () => {
    expect(() => resolveTemplate('${input.constructor}', scope)).toThrow('input has no key "constructor"');
    expect(() => resolveTemplate('${input.__proto__}', scope)).toThrow('input has no key "__proto__"');
    const polluted = resolveTemplate({ ['__proto__']: { polluted: true } }, scope) as Record<string, unknown>;
    expect(Object.getPrototypeOf(polluted)).toBe(Object.prototype);
  });

  it.each([
    ['${}', 'must start with input, nodes, item or index'],
    ['${process.env.HOME}', 'unknown root "process"'],
    ['${input.}', 'expected a name after "."'],
    ['${input[x]}', 'unexpected "[x]"'],
    ['${input.a', 'has no closing }'],
    ['${input.a + 1}', 'unexpected " + 1"'],
  ])('rejects the malformed reference %s', (template, message) => {
    expect(() => resolveTemplate(template, scope)).toThrow(message);
  });
});

describe('parseReference', () => {
  it('splits a path into root and segments', () => {
    expect(parseReference('nodes.lookup.output.items[0].ip')).toEqual({
      text: 'nodes.lookup.output.items[0].ip',
      root: 'nodes',
      path: ['lookup', 'output', 'items', 0, 'ip'],
    });
  });
});

describe('referencesIn', () => {
  it('lists every reference with the pointer of the string holding it', () => {
    const found = referencesIn({
      text: 'a ${input.x} b ${nodes.y.output}',
      list: ['${item}'],
      'a/b': '${index}',
    });
    expect(found.map(({ pointer, reference }) => [pointer, reference.text])).toEqual([
      ['/text', 'input.x'],
      ['/text', 'nodes.y.output'],
      ['/list/0', 'item'],
      ['/a~1b', 'index'],
    ]);
  });
});
