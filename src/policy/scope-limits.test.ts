import { describe, expect, it } from 'vitest';
import { compilePolicy } from './compile.ts';
import { scopeLimits } from './scope-limits.ts';

describe('scopeLimits', () => {
  it('words every scope on a tool, and none of the scopes on other tools', () => {
    const policy = compilePolicy(
      {
        scopes: [
          { name: 'targets', tool: 'firewall_*', arg: 'ip', cidrs: ['10.0.0.0/8', '2001:db8::/32'] },
          { name: 'hosts', tool: 'http_request', arg: 'url', hosts: ['api.example.com', '*.example.org'] },
          { name: 'methods', tool: 'http_request', arg: 'method', values: ['GET', 'HEAD'] },
          { name: 'count', tool: 'http_request', arg: 'retries', min: 0, max: 3 },
        ],
      },
      { name: 'p', version: 1 },
    );
    expect(scopeLimits([policy], 'firewall_block_ip')).toEqual([
      'ip must be an address in 10.0.0.0/8, 2001:db8::/32',
    ]);
    expect(scopeLimits([policy], 'http_request')).toEqual([
      'url must be on host api.example.com, *.example.org',
      'method must be one of GET, HEAD',
      'retries must be between 0 and 3',
    ]);
    expect(scopeLimits([policy], 'echo')).toEqual([]);
  });
});
