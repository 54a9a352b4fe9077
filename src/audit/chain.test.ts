import { describe, expect, it } from 'vitest';
import { type AuditContent, auditContentHash, chainHash, GENESIS_HASH } from './chain.ts';

const content: AuditContent = {
  id: '0190a000-0000-7000-8000-000000000001',
  tenant_id: 't1',
  time: '2026-01-01T00:00:00.000Z',
  actor_type: 'agent',
  actor: 'triage',
  run_id: 'run-1',
  trace_id: null,
  user_id: null,
  action: 'tool_call',
  tool: 'http_request',
  decision: null,
  rule: null,
  input: { url: 'https://example.com', b: [1, 2, { z: 1, a: 'é' }] },
  output: { status: 200 },
  metadata: { latency_ms: 12 },
};

describe('audit hash chain', () => {
  // Expected values computed outside this code base, as docs/audit.md tells an auditor to:
  // Python's json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).
  it('matches an independent implementation of the documented formula', () => {
    const contentHash = auditContentHash(content);

    expect(contentHash).toBe('e1e204fde1a2a9ec269a786edb37012dd26043de95bc21bbd2feda21c0887932');
    expect(chainHash(GENESIS_HASH, contentHash)).toBe(
      '157c6812192a1ca8e09ad71e0480768fa6ad00554be88a13a9dc5d13a51f7c79',
    );
  });

  it('hashes only the content fields, so a stored record hashes like its content', () => {
    const stored = { ...content, seq: 7, content_hash: 'x', prev_hash: 'y', hash: 'z' };

    expect(auditContentHash(stored)).toBe(auditContentHash(content));
    expect(auditContentHash({ ...content, actor: 'other' })).not.toBe(auditContentHash(content));
  });
});
