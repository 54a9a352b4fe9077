import type { Tool, ToolAnnotations } from '../contracts/index.ts';
import { type ParameterEntry, toJsonSchema } from './argument-schema.ts';
import type { BuiltinTool } from './builtin-tool.ts';
import { type CatalogEntry, type EntryDeps, hintsOf } from './catalog-entries.ts';
import { capResult } from './result-shaping.ts';

/** Catalog entries for tools that run in this process's reach: built-ins and sandbox scripts. */

export function builtinEntry(
  deps: EntryDeps,
  tool: BuiltinTool,
  name: string,
  fixed: Record<string, unknown>,
  manifest?: Tool,
): CatalogEntry {
  const annotations: ToolAnnotations = manifest?.spec.annotations ?? {
    idempotent: tool.idempotent,
    destructive: fixed.destructive === true,
    readOnly: false,
  };
  return {
    info: {
      name,
      type: 'builtin',
      source: manifest ? 'manifest' : 'builtin',
      description: manifest?.spec.description ?? tool.description,
      parameters: tool.parameters,
      annotations,
      labels: manifest?.metadata.labels ?? {},
      version: manifest?.spec.version ?? null,
      server: null,
    },
    idempotent: annotations.idempotent ?? tool.idempotent,
    destructive: annotations.destructive ?? false,
    builtin: tool,
    run: async (tenantId, args, context) => {
      const result = await tool.run(args, {
        signal: context.signal,
        idempotencyKey: context.idempotencyKey ?? '',
        config: { ...fixed, ...context.config },
        tenantId: tenantId || undefined,
        runId: context.runId,
        principal: context.principal,
      });
      return capResult(result, deps.maxResultBytes);
    },
  };
}

/**
 * A `type: sandbox` manifest: its script runs through the sandbox component's runner (left out of
 * the catalog when this installation has none).
 */
export function sandboxEntry(deps: EntryDeps, manifest: Tool): CatalogEntry | null {
  const { spec, metadata } = manifest;
  if (!deps.sandboxScript) return null;
  const annotations = { readOnly: false, destructive: false, idempotent: false, ...spec.annotations };
  const script = deps.sandboxScript;
  return {
    info: {
      name: metadata.name,
      type: 'sandbox',
      source: 'manifest',
      description: spec.description ?? `${metadata.name} (a script run in a sandbox)`,
      parameters: toJsonSchema(spec.parameters as Record<string, unknown> | ParameterEntry[] | undefined),
      annotations,
      labels: metadata.labels,
      version: spec.version ?? null,
      server: null,
    },
    ...hintsOf(annotations),
    run: async (tenantId, args, context) =>
      capResult(
        await script.run(args, {
          signal: context.signal,
          idempotencyKey: context.idempotencyKey ?? '',
          config: spec.config ?? {},
          tenantId: tenantId || undefined,
          runId: context.runId,
        }),
        deps.maxResultBytes,
      ),
  };
}
