import { describe, expect, it } from 'vitest';
import { toHonoPath } from './bind-route.ts';

describe('toHonoPath', () => {
  it('turns templates into Hono parameters', () => {
    expect(toHonoPath('/api/v1/agents/{name}/versions/{version}')).toEqual({
      pattern: '/api/v1/agents/:name/versions/:version',
      suffixes: {},
    });
  });

  it('keeps a custom method after the colon as part of the parameter pattern, to strip later', () => {
    expect(toHonoPath('/api/v1/agents/{name}/versions/{version}:publish')).toEqual({
      pattern: '/api/v1/agents/:name/versions/:version{[^/]+:publish}',
      suffixes: { version: ':publish' },
    });
  });

  it('leaves literal segments alone', () => {
    expect(toHonoPath('/healthz').pattern).toBe('/healthz');
  });
});
