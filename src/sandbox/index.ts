export { BubblewrapSandboxDriver } from './bubblewrap-driver.ts';
export { CODE_LANGUAGES, codeInterpreterTool } from './code-interpreter.ts';
export type { ExecOptions, ExecResult, SandboxDriver, SandboxSpec, SandboxStats } from './driver.ts';
export type { EgressAttempt } from './egress-proxy.ts';
export { GvisorSandboxDriver } from './gvisor-driver.ts';
export { KubernetesSandboxDriver, type KubernetesSandboxDriverOptions } from './kubernetes-driver.ts';
export { kubernetesSandboxManifests } from './kubernetes-manifests.ts';
export { type CreateSandbox, type SandboxInfo, SandboxManager } from './sandbox-manager.ts';
export { sandboxScriptTool } from './sandbox-script.ts';
export {
  type DriverSelection,
  defaultSandboxRoot,
  SANDBOX_DRIVER_CHOICES,
  type SandboxDriverChoice,
  selectSandboxDriver,
} from './select-driver.ts';
