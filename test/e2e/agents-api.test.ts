import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Agent,
  AgentSchema,
  type AgentVersion,
  AgentVersionSchema,
  type Page,
  ProblemSchema,
} from '../../src/contracts/index.ts';
import { expectProblem, type Reply, type SendOptions, sendTo, unique } from '../support/http.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';

let t: TestPlatform;

beforeAll(async () => {
  t = await startTestPlatform();
});

afterAll(async () => {
  await t?.close();
});

const send = <T = unknown>(method: string, path: string, options?: SendOptions) =>
  sendTo<T>(t, method, path, options);

function spec(prompt: string, temperature = 0) {
  return {
    model: { backend: 'local', name: 'test-model', temperature },
    systemPrompt: prompt,
    runtime: 'react' as const,
  };
}

function manifest(name: string, prompt = 'first prompt', labels: Record<string, string> = { team: 'test' }) {
  return {
    apiVersion: 'agenticai.dev/v1alpha1',
    kind: 'Agent',
    metadata: { name, labels },
    spec: spec(prompt),
  };
}

async function createAgent(name: string, options: { publish?: boolean; prompt?: string } = {}) {
  const reply = await send<Agent>('POST', `/api/v1/agents${options.publish ? '?publish=true' : ''}`, {
    body: manifest(name, options.prompt),
  });
  expect(reply.status).toBe(201);
  return AgentSchema.parse(reply.body);
}

async function getAgent(name: string): Promise<Reply<Agent>> {
  return send<Agent>('GET', `/api/v1/agents/${name}`);
}

async function versionsOf(name: string): Promise<AgentVersion[]> {
  const reply = await send<Page<AgentVersion>>('GET', `/api/v1/agents/${name}/versions?limit=500`);
  expect(reply.status).toBe(200);
  return reply.body.items;
}

/** An agent with versions 1..count all published, the last one active. */
async function agentWithPublishedVersions(count: number): Promise<string> {
  const name = unique('pub');
  await createAgent(name, { publish: true, prompt: 'v1' });
  for (let version = 2; version <= count; version++) {
    const reply = await send('POST', `/api/v1/agents/${name}/versions?publish=true`, {
      body: { spec: spec(`v${version}`) },
    });
    expect(reply.status).toBe(201);
  }
  return name;
}

describe('POST /api/v1/agents', () => {
  it('creates version 1 as a draft by default, with no active version', async () => {
    const name = unique('draft');
    const reply = await send<Agent>('POST', '/api/v1/agents', { body: manifest(name) });

    expect(reply.status).toBe(201);
    const agent = AgentSchema.parse(reply.body);
    expect(agent.metadata.name).toBe(name);
    expect(agent.status).toEqual({ activeVersion: null, latestVersion: 1, version: 1, phase: 'draft' });
    expect(reply.headers.get('etag')).toBe(`"${agent.metadata.resourceVersion}"`);
    expect(reply.headers.get('location')).toBe(`/api/v1/agents/${name}`);
    const [version] = await versionsOf(name);
    expect(version?.status).toBe('draft');
    expect(version?.publishedAt).toBeNull();
  });

  it('publishes version 1 at once with ?publish=true', async () => {
    const name = unique('published');
    const reply = await send<Agent>('POST', '/api/v1/agents?publish=true', { body: manifest(name) });

    expect(reply.status).toBe(201);
    expect(reply.body.status).toEqual({ activeVersion: 1, latestVersion: 1, version: 1, phase: 'published' });
    const stored = await send<AgentVersion>('GET', `/api/v1/agents/${name}/versions/1`);
    expect(stored.body.status).toBe('published');
    expect(stored.body.publishedAt).not.toBeNull();
  });

  it('accepts a body without apiVersion and kind', async () => {
    const name = unique('bare');
    const reply = await send<Agent>('POST', '/api/v1/agents', {
      body: { metadata: { name }, spec: { model: { backend: 'local', name: 'm' } } },
    });

    expect(reply.status).toBe(201);
    expect(reply.body.kind).toBe('Agent');
    expect(reply.body.spec.runtime).toBe('react');
    expect(reply.body.metadata.labels).toEqual({});
  });

  it('refuses a second agent with the same name with 409 ALREADY_EXISTS and keeps the first', async () => {
    const name = unique('taken');
    const first = await createAgent(name, { prompt: 'original' });

    const reply = await send('POST', '/api/v1/agents?publish=true', { body: manifest(name, 'intruder') });

    expectProblem(reply, 409, 'ALREADY_EXISTS');
    const stored = await getAgent(name);
    expect(stored.body).toEqual(first);
  });
});

describe('GET /api/v1/agents/{name}', () => {
  it('returns the agent with an ETag equal to its quoted resourceVersion', async () => {
    const name = unique('get');
    const created = await createAgent(name);

    const reply = await getAgent(name);

    expect(reply.status).toBe(200);
    expect(AgentSchema.parse(reply.body)).toEqual(created);
    expect(reply.headers.get('etag')).toBe(`"${created.metadata.resourceVersion}"`);
  });

  it('answers 404 NOT_FOUND for an agent that does not exist', async () => {
    const problem = expectProblem(await getAgent(unique('missing')), 404, 'NOT_FOUND');
    expect(problem.detail).toContain('not found');
  });
});

describe('GET /api/v1/agents', () => {
  it('pages through agents in name order with limit and nextCursor', async () => {
    const suite = unique('paging');
    const names = ['a', 'b', 'c', 'd', 'e'].map((letter) => `${suite}-${letter}`);
    for (const name of [...names].reverse()) {
      const reply = await send('POST', '/api/v1/agents', { body: manifest(name, 'p', { suite }) });
      expect(reply.status).toBe(201);
    }

    const seen: string[] = [];
    const pageSizes: number[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `?limit=2&labelSelector=suite=${suite}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const reply: Reply<Page<Agent>> = await send<Page<Agent>>('GET', `/api/v1/agents${query}`);
      expect(reply.status).toBe(200);
      pageSizes.push(reply.body.items.length);
      seen.push(...reply.body.items.map((agent) => agent.metadata.name));
      cursor = reply.body.nextCursor;
    } while (cursor !== null && pageSizes.length < 10);

    expect(pageSizes).toEqual([2, 2, 1]);
    expect(seen).toEqual(names);
  });

  it('returns every agent on one page with nextCursor null when the page is large enough', async () => {
    const suite = unique('onepage');
    for (const letter of ['a', 'b']) {
      await send('POST', '/api/v1/agents', { body: manifest(`${suite}-${letter}`, 'p', { suite }) });
    }

    const reply = await send<Page<Agent>>('GET', `/api/v1/agents?limit=2&labelSelector=suite=${suite}`);

    expect(reply.body.items).toHaveLength(2);
    expect(reply.body.nextCursor).toBeNull();
  });

  it('rejects a cursor it did not issue with 400 pointing at the cursor', async () => {
    const problem = expectProblem(
      await send('GET', '/api/v1/agents?limit=2&cursor=not-a-cursor'),
      400,
      'INVALID_REQUEST',
    );
    expect(problem.errors?.map((error) => error.pointer)).toContain('/cursor');
  });

  it('rejects a limit outside 1..500 with 400', async () => {
    expectProblem(await send('GET', '/api/v1/agents?limit=0'), 400, 'INVALID_REQUEST');
    expectProblem(await send('GET', '/api/v1/agents?limit=501'), 400, 'INVALID_REQUEST');
  });

  it('filters by labelSelector, every pair having to match', async () => {
    const suite = unique('labels');
    const both = `${suite}-both`;
    const teamOnly = `${suite}-team`;
    const other = `${suite}-other`;
    await send('POST', '/api/v1/agents', { body: manifest(both, 'p', { suite, team: 'red', tier: 'prod' }) });
    await send('POST', '/api/v1/agents', { body: manifest(teamOnly, 'p', { suite, team: 'red' }) });
    await send('POST', '/api/v1/agents', { body: manifest(other, 'p', { suite, team: 'blue' }) });

    const names = async (selector: string) => {
      const reply = await send<Page<Agent>>(
        'GET',
        `/api/v1/agents?labelSelector=${encodeURIComponent(selector)}`,
      );
      expect(reply.status).toBe(200);
      return reply.body.items.map((agent) => agent.metadata.name);
    };

    expect(await names(`suite=${suite}`)).toEqual([both, other, teamOnly]);
    expect(await names(`suite=${suite},team=red`)).toEqual([both, teamOnly]);
    expect(await names(`suite=${suite},team=red,tier=prod`)).toEqual([both]);
    expect(await names(`suite=${suite},team=green`)).toEqual([]);
  });

  it('rejects a malformed labelSelector with 400 pointing at it', async () => {
    const problem = expectProblem(
      await send('GET', '/api/v1/agents?labelSelector=team'),
      400,
      'INVALID_REQUEST',
    );
    expect(problem.errors?.[0]?.pointer).toBe('/query/labelSelector');
  });
});

describe('PUT /api/v1/agents/{name}', () => {
  it('turns a changed spec into a new draft version and keeps the published one active', async () => {
    const name = unique('put-draft');
    await createAgent(name, { publish: true, prompt: 'v1' });

    const reply = await send<Agent>('PUT', `/api/v1/agents/${name}`, { body: manifest(name, 'v2') });

    expect(reply.status).toBe(200);
    expect(reply.body.status).toEqual({ activeVersion: 1, latestVersion: 2, version: 1, phase: 'published' });
    expect(reply.body.spec.systemPrompt).toBe('v1');
    const versions = await versionsOf(name);
    expect(versions.map((v) => [v.version, v.status, v.spec.systemPrompt])).toEqual([
      [2, 'draft', 'v2'],
      [1, 'published', 'v1'],
    ]);
  });

  it('publishes a changed spec as the new active version with ?publish=true', async () => {
    const name = unique('put-publish');
    await createAgent(name, { publish: true, prompt: 'v1' });

    const reply = await send<Agent>('PUT', `/api/v1/agents/${name}?publish=true`, {
      body: manifest(name, 'v2'),
    });

    expect(reply.status).toBe(200);
    expect(reply.body.status).toEqual({ activeVersion: 2, latestVersion: 2, version: 2, phase: 'published' });
    expect((await getAgent(name)).body.spec.systemPrompt).toBe('v2');
    const versions = await versionsOf(name);
    expect(versions.map((v) => v.status)).toEqual(['published', 'published']);
  });

  it('changes nothing, not even the resourceVersion, when the same labels and spec are sent again', async () => {
    const name = unique('put-same');
    const created = await createAgent(name, { publish: true, prompt: 'same' });

    const reply = await send<Agent>('PUT', `/api/v1/agents/${name}`, { body: manifest(name, 'same') });

    expect(reply.status).toBe(200);
    expect(reply.body).toEqual(created);
    expect(await versionsOf(name)).toHaveLength(1);
  });

  it('replaces the labels without creating a version when only the labels change', async () => {
    const name = unique('put-labels');
    const created = await createAgent(name, { publish: true, prompt: 'same' });

    const reply = await send<Agent>('PUT', `/api/v1/agents/${name}`, {
      body: manifest(name, 'same', { tier: 'gold' }),
    });

    expect(reply.status).toBe(200);
    expect(reply.body.metadata.labels).toEqual({ tier: 'gold' });
    expect(reply.body.metadata.resourceVersion).not.toBe(created.metadata.resourceVersion);
    expect(await versionsOf(name)).toHaveLength(1);
  });

  it('answers 409 STALE_RESOURCE_VERSION to a stale If-Match and changes nothing', async () => {
    const name = unique('put-stale');
    const created = await createAgent(name, { publish: true, prompt: 'v1' });
    const staleEtag = `"${created.metadata.resourceVersion}"`;
    const moved = await send<Agent>('PUT', `/api/v1/agents/${name}`, { body: manifest(name, 'v2') });
    expect(moved.status).toBe(200);
    const before = await getAgent(name);
    const versionsBefore = await versionsOf(name);

    const reply = await send('PUT', `/api/v1/agents/${name}?publish=true`, {
      body: manifest(name, 'v3', { changed: 'yes' }),
      headers: { 'if-match': staleEtag },
    });

    expectProblem(reply, 409, 'STALE_RESOURCE_VERSION');
    const after = await getAgent(name);
    expect(after.body).toEqual(before.body);
    expect(after.headers.get('etag')).toBe(before.headers.get('etag'));
    expect(await versionsOf(name)).toEqual(versionsBefore);
  });

  it('accepts the current If-Match and answers 200 with a new ETag', async () => {
    const name = unique('put-etag');
    await createAgent(name, { publish: true, prompt: 'v1' });
    const read = await getAgent(name);
    const etag = read.headers.get('etag');
    expect(etag).toMatch(/^"\d+"$/);

    const reply = await send<Agent>('PUT', `/api/v1/agents/${name}?publish=true`, {
      body: manifest(name, 'v2'),
      headers: { 'if-match': etag ?? '' },
    });

    expect(reply.status).toBe(200);
    const newEtag = reply.headers.get('etag');
    expect(newEtag).toBe(`"${reply.body.metadata.resourceVersion}"`);
    expect(newEtag).not.toBe(etag);
    expect((await getAgent(name)).headers.get('etag')).toBe(newEtag);
  });

  it('accepts the weak form W/"n" of the current ETag', async () => {
    const name = unique('put-weak');
    const created = await createAgent(name, { publish: true });

    const reply = await send<Agent>('PUT', `/api/v1/agents/${name}`, {
      body: manifest(name, 'weak'),
      headers: { 'if-match': `W/"${created.metadata.resourceVersion}"` },
    });

    expect(reply.status).toBe(200);
  });

  it('refuses a body whose metadata.name differs from the path with 400 and changes nothing', async () => {
    const name = unique('put-rename');
    const created = await createAgent(name);

    const reply = await send('PUT', `/api/v1/agents/${name}`, { body: manifest(unique('other'), 'x') });

    const problem = expectProblem(reply, 400, 'INVALID_REQUEST');
    expect(problem.errors?.[0]?.pointer).toBe('/metadata/name');
    expect((await getAgent(name)).body).toEqual(created);
  });

  it('answers 404 to a PUT of an agent that does not exist and creates nothing', async () => {
    const name = unique('put-missing');

    expectProblem(await send('PUT', `/api/v1/agents/${name}`, { body: manifest(name) }), 404, 'NOT_FOUND');
    expectProblem(await getAgent(name), 404, 'NOT_FOUND');
  });

  it('lets exactly one of two concurrent PUTs with the same If-Match win (draft agent)', async () => {
    const name = unique('race-draft');
    const created = await createAgent(name, { prompt: 'v1' });
    const etag = `"${created.metadata.resourceVersion}"`;

    const replies = await Promise.all(
      ['left', 'right'].map((prompt) =>
        send<Agent>('PUT', `/api/v1/agents/${name}`, {
          body: manifest(name, prompt),
          headers: { 'if-match': etag },
        }),
      ),
    );

    expect(replies.map((reply) => reply.status).sort()).toEqual([200, 409]);
    const loser = replies.find((reply) => reply.status !== 200);
    expect(ProblemSchema.parse(loser?.body).code).toBe('STALE_RESOURCE_VERSION');
    const winner = replies.find((reply) => reply.status === 200);
    expect((await getAgent(name)).body.spec.systemPrompt).toBe(winner?.body.spec.systemPrompt);
  });

  it('lets exactly one of five concurrent PUTs with the same If-Match win when each publishes a new version', async () => {
    const name = unique('race-pub');
    const created = await createAgent(name, { publish: true, prompt: 'v1' });
    const etag = `"${created.metadata.resourceVersion}"`;

    const replies = await Promise.all(
      ['p1', 'p2', 'p3', 'p4', 'p5'].map((prompt) =>
        send<Agent>('PUT', `/api/v1/agents/${name}?publish=true`, {
          body: manifest(name, prompt),
          headers: { 'if-match': etag },
        }),
      ),
    );

    expect(replies.map((reply) => reply.status).sort()).toEqual([200, 409, 409, 409, 409]);
    for (const loser of replies.filter((reply) => reply.status !== 200)) {
      expect(ProblemSchema.parse(loser.body).code).toBe('STALE_RESOURCE_VERSION');
    }
    const winner = replies.find((reply) => reply.status === 200);
    expect((await getAgent(name)).body.spec.systemPrompt).toBe(winner?.body.spec.systemPrompt);
    expect(await versionsOf(name)).toHaveLength(2);
  });
});

describe('agent versions', () => {
  it('lists versions newest first and pages through them', async () => {
    const name = await agentWithPublishedVersions(3);

    const first = await send<Page<AgentVersion>>('GET', `/api/v1/agents/${name}/versions?limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.items.map((v) => v.version)).toEqual([3, 2]);
    expect(first.body.nextCursor).not.toBeNull();
    const second = await send<Page<AgentVersion>>(
      'GET',
      `/api/v1/agents/${name}/versions?limit=2&cursor=${encodeURIComponent(first.body.nextCursor ?? '')}`,
    );
    expect(second.body.items.map((v) => v.version)).toEqual([1]);
    expect(second.body.nextCursor).toBeNull();
  });

  it('gets one version with its spec and status', async () => {
    const name = await agentWithPublishedVersions(2);

    const reply = await send<AgentVersion>('GET', `/api/v1/agents/${name}/versions/1`);

    expect(reply.status).toBe(200);
    const version = AgentVersionSchema.parse(reply.body);
    expect(version).toMatchObject({ agent: name, version: 1, status: 'published' });
    expect(version.spec.systemPrompt).toBe('v1');
  });

  it('answers 404 for a version that does not exist and 400 for version 0', async () => {
    const name = await agentWithPublishedVersions(1);

    expectProblem(await send('GET', `/api/v1/agents/${name}/versions/7`), 404, 'NOT_FOUND');
    expectProblem(await send('GET', `/api/v1/agents/${name}/versions/0`), 400, 'INVALID_REQUEST');
    expectProblem(await send('GET', `/api/v1/agents/${unique('nobody')}/versions`), 404, 'NOT_FOUND');
  });

  it('creates a new draft version with POST .../versions and leaves the active one alone', async () => {
    const name = await agentWithPublishedVersions(1);

    const reply = await send<AgentVersion>('POST', `/api/v1/agents/${name}/versions`, {
      body: { spec: spec('draft two') },
    });

    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({ agent: name, version: 2, status: 'draft', publishedAt: null });
    const agent = (await getAgent(name)).body;
    expect(agent.status).toEqual({ activeVersion: 1, latestVersion: 2, version: 1, phase: 'published' });
    expect(agent.spec.systemPrompt).toBe('v1');
  });

  it('creates and activates a version at once with POST .../versions?publish=true', async () => {
    const name = await agentWithPublishedVersions(1);

    const reply = await send<AgentVersion>('POST', `/api/v1/agents/${name}/versions?publish=true`, {
      body: { spec: spec('live two') },
    });

    expect(reply.status).toBe(201);
    expect(reply.body.status).toBe('published');
    const agent = (await getAgent(name)).body;
    expect(agent.status.activeVersion).toBe(2);
    expect(agent.spec.systemPrompt).toBe('live two');
  });

  it('lets a draft version be changed with PUT', async () => {
    const name = await agentWithPublishedVersions(1);
    await send('POST', `/api/v1/agents/${name}/versions`, { body: { spec: spec('draft') } });

    const reply = await send<AgentVersion>('PUT', `/api/v1/agents/${name}/versions/2`, {
      body: { spec: spec('edited draft', 1) },
    });

    expect(reply.status).toBe(200);
    expect(reply.body.status).toBe('draft');
    const stored = await send<AgentVersion>('GET', `/api/v1/agents/${name}/versions/2`);
    expect(stored.body.spec.systemPrompt).toBe('edited draft');
    expect(stored.body.spec.model.temperature).toBe(1);
    expect(stored.body.specHash).toBe(reply.body.specHash);
  });

  it('refuses to change a published version with 409 VERSION_IMMUTABLE and keeps its spec', async () => {
    const name = await agentWithPublishedVersions(1);
    const before = await send<AgentVersion>('GET', `/api/v1/agents/${name}/versions/1`);
    const agentBefore = await getAgent(name);

    const reply = await send('PUT', `/api/v1/agents/${name}/versions/1`, {
      body: { spec: spec('tampered') },
    });

    expectProblem(reply, 409, 'VERSION_IMMUTABLE');
    const after = await send<AgentVersion>('GET', `/api/v1/agents/${name}/versions/1`);
    expect(after.body).toEqual(before.body);
    expect((await getAgent(name)).body).toEqual(agentBefore.body);
  });

  it('publishes a draft version and makes it the active one', async () => {
    const name = await agentWithPublishedVersions(1);
    await send('POST', `/api/v1/agents/${name}/versions`, { body: { spec: spec('to publish') } });

    const reply = await send<Agent>('POST', `/api/v1/agents/${name}/versions/2:publish`);

    expect(reply.status).toBe(200);
    expect(reply.body.status).toEqual({ activeVersion: 2, latestVersion: 2, version: 2, phase: 'published' });
    expect(reply.body.spec.systemPrompt).toBe('to publish');
    expect(reply.headers.get('etag')).toBe(`"${reply.body.metadata.resourceVersion}"`);
    const version = await send<AgentVersion>('GET', `/api/v1/agents/${name}/versions/2`);
    expect(version.body.status).toBe('published');
    expect(version.body.publishedAt).not.toBeNull();
  });

  it('publishes the draft of an agent that had no active version', async () => {
    const name = unique('first-publish');
    await createAgent(name, { prompt: 'only draft' });

    const reply = await send<Agent>('POST', `/api/v1/agents/${name}/versions/1:publish`);

    expect(reply.status).toBe(200);
    expect(reply.body.status.activeVersion).toBe(1);
  });

  it('answers 404 when publishing a version that does not exist', async () => {
    const name = await agentWithPublishedVersions(1);

    expectProblem(await send('POST', `/api/v1/agents/${name}/versions/9:publish`), 404, 'NOT_FOUND');
    expect((await getAgent(name)).body.status.activeVersion).toBe(1);
  });

  it('deprecates a published version that is not active', async () => {
    const name = await agentWithPublishedVersions(2);

    const reply = await send<AgentVersion>('POST', `/api/v1/agents/${name}/versions/1:deprecate`);

    expect(reply.status).toBe(200);
    expect(reply.body.status).toBe('deprecated');
    expect(reply.body.deprecatedAt).not.toBeNull();
    const stored = await send<AgentVersion>('GET', `/api/v1/agents/${name}/versions/1`);
    expect(stored.body.status).toBe('deprecated');
  });

  it('refuses to deprecate the active version with 409 and leaves it published', async () => {
    const name = await agentWithPublishedVersions(2);

    expectProblem(await send('POST', `/api/v1/agents/${name}/versions/2:deprecate`), 409, 'CONFLICT');
    const stored = await send<AgentVersion>('GET', `/api/v1/agents/${name}/versions/2`);
    expect(stored.body.status).toBe('published');
    expect((await getAgent(name)).body.status.activeVersion).toBe(2);
  });

  it('refuses to deprecate a draft with 409', async () => {
    const name = await agentWithPublishedVersions(1);
    await send('POST', `/api/v1/agents/${name}/versions`, { body: { spec: spec('draft') } });

    expectProblem(await send('POST', `/api/v1/agents/${name}/versions/2:deprecate`), 409, 'CONFLICT');
    expect((await send<AgentVersion>('GET', `/api/v1/agents/${name}/versions/2`)).body.status).toBe('draft');
  });

  it('refuses to publish a deprecated version again with 409', async () => {
    const name = await agentWithPublishedVersions(2);
    await send('POST', `/api/v1/agents/${name}/versions/1:deprecate`);

    expectProblem(await send('POST', `/api/v1/agents/${name}/versions/1:publish`), 409, 'CONFLICT');
    expect((await getAgent(name)).body.status.activeVersion).toBe(2);
  });
});

describe('POST /api/v1/agents/{name}:rollback', () => {
  it('goes back to the previous published version by default', async () => {
    const name = await agentWithPublishedVersions(3);

    const reply = await send<Agent>('POST', `/api/v1/agents/${name}:rollback`, { body: {} });

    expect(reply.status).toBe(200);
    expect(reply.body.status).toMatchObject({ activeVersion: 2, latestVersion: 3, version: 2 });
    expect(reply.body.spec.systemPrompt).toBe('v2');
    expect((await getAgent(name)).body.status.activeVersion).toBe(2);
  });

  it('skips deprecated and draft versions when rolling back by default', async () => {
    const name = await agentWithPublishedVersions(3);
    await send('POST', `/api/v1/agents/${name}/versions/2:deprecate`);
    await send('POST', `/api/v1/agents/${name}/versions`, { body: { spec: spec('draft four') } });

    const reply = await send<Agent>('POST', `/api/v1/agents/${name}:rollback`, { body: {} });

    expect(reply.status).toBe(200);
    expect(reply.body.status.activeVersion).toBe(1);
  });

  it('rolls back with no body at all', async () => {
    const name = await agentWithPublishedVersions(2);

    const response = await t.request('POST', `/api/v1/agents/${name}:rollback`);

    expect(response.status).toBe(200);
    expect((await getAgent(name)).body.status.activeVersion).toBe(1);
  });

  it('goes to the version named in the body', async () => {
    const name = await agentWithPublishedVersions(3);

    const reply = await send<Agent>('POST', `/api/v1/agents/${name}:rollback`, { body: { version: 1 } });

    expect(reply.status).toBe(200);
    expect(reply.body.status.activeVersion).toBe(1);
    expect(reply.body.spec.systemPrompt).toBe('v1');
  });

  it('answers 409 when there is no earlier published version and changes nothing', async () => {
    const name = await agentWithPublishedVersions(1);
    const before = await getAgent(name);

    expectProblem(await send('POST', `/api/v1/agents/${name}:rollback`, { body: {} }), 409, 'CONFLICT');
    expect((await getAgent(name)).body).toEqual(before.body);
  });

  it('answers 409 for an agent that was never published', async () => {
    const name = unique('never-published');
    await createAgent(name);

    expectProblem(await send('POST', `/api/v1/agents/${name}:rollback`, { body: {} }), 409, 'CONFLICT');
  });

  it('refuses to roll back to a draft or a deprecated version with 409', async () => {
    const name = await agentWithPublishedVersions(3);
    await send('POST', `/api/v1/agents/${name}/versions/1:deprecate`);
    await send('POST', `/api/v1/agents/${name}/versions`, { body: { spec: spec('draft four') } });

    expectProblem(
      await send('POST', `/api/v1/agents/${name}:rollback`, { body: { version: 4 } }),
      409,
      'CONFLICT',
    );
    expectProblem(
      await send('POST', `/api/v1/agents/${name}:rollback`, { body: { version: 1 } }),
      409,
      'CONFLICT',
    );
    expect((await getAgent(name)).body.status.activeVersion).toBe(3);
    expect((await send<AgentVersion>('GET', `/api/v1/agents/${name}/versions/4`)).body.status).toBe('draft');
  });

  it('answers 409 STALE_RESOURCE_VERSION to a rollback with a stale If-Match', async () => {
    const name = await agentWithPublishedVersions(2);

    const reply = await send('POST', `/api/v1/agents/${name}:rollback`, {
      body: {},
      headers: { 'if-match': '"1"' },
    });

    expectProblem(reply, 409, 'STALE_RESOURCE_VERSION');
    expect((await getAgent(name)).body.status.activeVersion).toBe(2);
  });
});

describe('DELETE /api/v1/agents/{name}', () => {
  it('deletes the agent and its versions; afterwards both answer 404', async () => {
    const name = await agentWithPublishedVersions(2);

    const response = await t.request('DELETE', `/api/v1/agents/${name}`);

    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
    expectProblem(await getAgent(name), 404, 'NOT_FOUND');
    expectProblem(await send('GET', `/api/v1/agents/${name}/versions`), 404, 'NOT_FOUND');
    expectProblem(await send('DELETE', `/api/v1/agents/${name}`), 404, 'NOT_FOUND');
  });

  it('lets a deleted name be created again from version 1', async () => {
    const name = await agentWithPublishedVersions(2);
    await t.request('DELETE', `/api/v1/agents/${name}`);

    const again = await createAgent(name, { prompt: 'reborn' });

    expect(again.status).toEqual({ activeVersion: null, latestVersion: 1, version: 1, phase: 'draft' });
    expect(await versionsOf(name)).toHaveLength(1);
  });

  it('refuses a delete with a stale If-Match with 409 and keeps the agent', async () => {
    const name = unique('delete-stale');
    await createAgent(name);
    await send('PUT', `/api/v1/agents/${name}`, { body: manifest(name, 'moved on') });

    expectProblem(
      await send('DELETE', `/api/v1/agents/${name}`, { headers: { 'if-match': '"1"' } }),
      409,
      'STALE_RESOURCE_VERSION',
    );
    expect((await getAgent(name)).status).toBe(200);
  });
});
