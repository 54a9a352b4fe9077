import { describe, expect, it } from 'vitest';
import { SandboxLimitsSchema, type SandboxSpec } from './driver.ts';
import { kubernetesSandboxManifests } from './kubernetes-manifests.ts';

const MiB = 1024 * 1024;
const spec = (egress: string[] = []): SandboxSpec => ({
  id: 'abc123',
  limits: SandboxLimitsSchema.parse({ memoryBytes: 256 * MiB, workspaceBytes: 32 * MiB }),
  egress,
});
const options = { namespace: 'sandboxes', runtimeClassName: 'gvisor', image: 'registry.example/sandbox:1' };
const proxy = { podSelector: { app: 'egress-proxy' }, namespace: 'platform', port: 3128 };

describe('kubernetesSandboxManifests pod', () => {
  const { pod } = kubernetesSandboxManifests(spec(), {
    ...options,
    labels: { team: 'a', 'agenticai.dev/sandbox': 'x' },
  });
  const container = pod.spec.containers[0];

  it('is named and labelled after the sandbox, and extra labels cannot override the platform ones', () => {
    expect(pod.metadata).toMatchObject({
      name: 'sbx-abc123',
      namespace: 'sandboxes',
      labels: { team: 'a', 'app.kubernetes.io/managed-by': 'agenticai', 'agenticai.dev/sandbox': 'abc123' },
    });
  });

  it('runs under the RuntimeClass with nothing of the host and no service account token', () => {
    expect(pod.spec).toMatchObject({
      runtimeClassName: 'gvisor',
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      hostNetwork: false,
      hostPID: false,
      hostIPC: false,
      restartPolicy: 'Never',
    });
    expect(pod.spec).not.toHaveProperty('activeDeadlineSeconds');
  });

  it('runs as nobody with RuntimeDefault seccomp, no capabilities and a read-only root', () => {
    expect(pod.spec.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 65534,
      runAsGroup: 65534,
      fsGroup: 65534,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container?.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      privileged: false,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(container?.name).toBe('sandbox');
    expect(container?.image).toBe('registry.example/sandbox:1');
  });

  it('derives equal requests and limits from the spec, the tmpfs workspace counted as memory', () => {
    const expected = { cpu: '1', memory: String(288 * MiB), 'ephemeral-storage': String(80 * MiB) };
    expect(container?.resources).toEqual({ requests: expected, limits: expected });
    expect(pod.metadata.annotations['agenticai.dev/limits']).toBe(JSON.stringify(spec().limits));
  });

  it('mounts a sized in-memory workspace and a small /tmp', () => {
    expect(pod.spec.volumes).toEqual([
      { name: 'workspace', emptyDir: { medium: 'Memory', sizeLimit: String(32 * MiB) } },
      { name: 'tmp', emptyDir: { sizeLimit: String(64 * MiB) } },
    ]);
    expect(container?.volumeMounts).toEqual([
      { name: 'workspace', mountPath: '/workspace' },
      { name: 'tmp', mountPath: '/tmp' },
    ]);
  });
});

describe('kubernetesSandboxManifests network policy', () => {
  it('denies all ingress and egress, DNS included, when the spec allows no egress', () => {
    const { networkPolicy } = kubernetesSandboxManifests(spec(), { ...options, egressProxy: proxy });
    expect(networkPolicy.metadata.name).toBe('sbx-abc123-deny-all');
    expect(networkPolicy.spec).toEqual({
      podSelector: { matchLabels: { 'agenticai.dev/sandbox': 'abc123' } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [],
      egress: [],
    });
  });

  it('allows egress to the proxy alone when the spec allows egress', () => {
    const { networkPolicy } = kubernetesSandboxManifests(spec(['api.example.com:443']), {
      ...options,
      egressProxy: proxy,
    });
    expect(networkPolicy.spec.ingress).toEqual([]);
    expect(networkPolicy.spec.egress).toEqual([
      {
        to: [
          {
            podSelector: { matchLabels: { app: 'egress-proxy' } },
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'platform' } },
          },
        ],
        ports: [{ protocol: 'TCP', port: 3128 }],
      },
    ]);
  });

  it('stays deny-all when egress is allowed but no proxy is configured', () => {
    const { networkPolicy } = kubernetesSandboxManifests(spec(['api.example.com:443']), options);
    expect(networkPolicy.spec.egress).toEqual([]);
  });
});
