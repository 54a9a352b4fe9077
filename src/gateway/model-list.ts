import { modelId } from './model-resolver.ts';
import type { TenantCatalog } from './ports.ts';

export interface ModelListEntry {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

/** `GET /v1/models`: the tenant's aliases (owned by `alias`), then every `backend/model`, by name. */
export function modelList(catalog: TenantCatalog): ModelListEntry[] {
  const aliases = [...catalog.aliases.values()].sort(byName).map((alias) => ({
    id: alias.name,
    object: 'model' as const,
    created: seconds(alias.createdAt),
    owned_by: 'alias',
  }));
  const backends = [...catalog.backends.values()].sort(byName).flatMap((backend) =>
    backend.spec.models.map((model) => ({
      id: modelId(backend.name, model),
      object: 'model' as const,
      created: seconds(backend.createdAt),
      owned_by: backend.name,
    })),
  );
  return [...aliases, ...backends];
}
