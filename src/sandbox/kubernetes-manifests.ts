import type { SandboxSpec } from './driver.ts';

/** Where sandboxes with an egress allowlist may connect; it enforces the `host:port` rules. */
export interface EgressProxySelector {
  /** Labels of the proxy's pods. */
  podSelector: Readonly<Record<string, string>>;
  /** The proxy's namespace; the sandbox's own when absent. */
  namespace?: string;
  port: number;
}

export interface KubernetesSandboxOptions {
  namespace: string;
  /** A RuntimeClass that puts the pod behind a second kernel boundary: `gvisor`, `kata`, … */
  runtimeClassName: string;
  /** Must provide /bin/sh, sleep, cat and du; runs as uid 65534 with a read-only root. */
  image: string;
  /** Extra labels on both objects; they cannot override the platform's own. */
  labels?: Readonly<Record<string, string>>;
  /** Without it a sandbox gets no network even when its spec allows egress (fail closed). */
  egressProxy?: EgressProxySelector;
  /** CPU request and limit of the pod, a Kubernetes quantity; `spec.limits` has no rate. */
  cpu?: string;
}

export const SANDBOX_LABEL = 'agenticai.dev/sandbox';
export const LIMITS_ANNOTATION = 'agenticai.dev/limits';
export const SANDBOX_CONTAINER = 'sandbox';
export const WORKSPACE_PATH = '/workspace';

const NOBODY = 65534;
const TMP_BYTES = 64 * 1024 * 1024;
/** Container logs and the writable layer's leftovers: the root filesystem is read-only. */
const EPHEMERAL_SLACK_BYTES = 16 * 1024 * 1024;

export const podName = (id: string) => `sbx-${id}`;

/**
 * PID 1 of the sandbox: it idles and restarts its sleep, so killing every other process in the
 * pod (which the driver does after a timed-out exec, `kill -KILL -1` sparing PID 1) keeps the
 * pod alive, and it exits at once on SIGTERM instead of waiting out the grace period.
 */
export const IDLE_COMMAND = ['/bin/sh', '-c', "trap 'exit 0' TERM; while :; do sleep 3600 & wait; done"];

/**
 * The Pod and the NetworkPolicy of one sandbox. Both carry the `agenticai.dev/sandbox` label,
 * which is how the driver deletes them together.
 *
 * Not expressible per pod: a process limit (`limits.maxProcesses`). Kubernetes only has the
 * kubelet-wide `podPidsLimit`; the node pool that runs sandboxes should set it. The limits are
 * recorded on the pod as an annotation, which is also where the driver reads them back.
 */
export function kubernetesSandboxManifests(spec: SandboxSpec, options: KubernetesSandboxOptions) {
  const labels = {
    ...options.labels,
    'app.kubernetes.io/managed-by': 'agenticai',
    [SANDBOX_LABEL]: spec.id,
  };
  return {
    pod: podManifest(spec, options, labels),
    networkPolicy: networkPolicyManifest(spec, options, labels),
  };
}

function podManifest(spec: SandboxSpec, options: KubernetesSandboxOptions, labels: Record<string, string>) {
  const { memoryBytes, workspaceBytes } = spec.limits;
  // The workspace is a tmpfs, and tmpfs pages are charged to the pod's memory cgroup: without
  // adding its size, a full workspace would leave the processes less than `memoryBytes`.
  const resources = {
    cpu: options.cpu ?? '1',
    memory: String(memoryBytes + workspaceBytes),
    'ephemeral-storage': String(TMP_BYTES + EPHEMERAL_SLACK_BYTES),
  };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: podName(spec.id),
      namespace: options.namespace,
      labels,
      annotations: { [LIMITS_ANNOTATION]: JSON.stringify(spec.limits) },
    },
    spec: {
      runtimeClassName: options.runtimeClassName,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      hostNetwork: false,
      hostPID: false,
      hostIPC: false,
      restartPolicy: 'Never',
      // No activeDeadlineSeconds: a sandbox outlives one exec; the driver times each exec.
      securityContext: {
        runAsNonRoot: true,
        runAsUser: NOBODY,
        runAsGroup: NOBODY,
        fsGroup: NOBODY,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      containers: [
        {
          name: SANDBOX_CONTAINER,
          image: options.image,
          command: IDLE_COMMAND,
          workingDir: WORKSPACE_PATH,
          securityContext: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            privileged: false,
            runAsNonRoot: true,
            capabilities: { drop: ['ALL'] },
          },
          // Requests equal to limits: the pod is Guaranteed and is not evicted first.
          resources: { requests: resources, limits: resources },
          volumeMounts: [
            { name: 'workspace', mountPath: WORKSPACE_PATH },
            { name: 'tmp', mountPath: '/tmp' },
          ],
        },
      ],
      volumes: [
        { name: 'workspace', emptyDir: { medium: 'Memory', sizeLimit: String(workspaceBytes) } },
        { name: 'tmp', emptyDir: { sizeLimit: String(TMP_BYTES) } },
      ],
    },
  };
}

/**
 * Deny-all, DNS included. A sandbox whose spec allows egress may reach the egress proxy and
 * nothing else; DNS stays denied, so it must be given the proxy by address (e.g. its ClusterIP
 * in HTTPS_PROXY) and let the proxy resolve names.
 */
function networkPolicyManifest(
  spec: SandboxSpec,
  options: KubernetesSandboxOptions,
  labels: Record<string, string>,
) {
  const proxy = spec.egress.length > 0 ? options.egressProxy : undefined;
  const egress = proxy
    ? [
        {
          to: [
            {
              podSelector: { matchLabels: { ...proxy.podSelector } },
              ...(proxy.namespace === undefined
                ? {}
                : { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': proxy.namespace } } }),
            },
          ],
          ports: [{ protocol: 'TCP', port: proxy.port }],
        },
      ]
    : [];
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: `${podName(spec.id)}-deny-all`, namespace: options.namespace, labels },
    spec: {
      podSelector: { matchLabels: { [SANDBOX_LABEL]: spec.id } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [],
      egress,
    },
  };
}
