import { z } from 'zod';
import { LabelSelectorQuery } from './agent-routes.ts';
import { NameSchema, PageQuerySchema, pageSchema } from './common.ts';
import { ModelAliasSchema, ModelAliasWriteSchema } from './model-aliases.ts';
import { defineRoute } from './route.ts';

const NameParams = z.object({ name: NameSchema });

const TARGETS_CHECKED =
  'Each `spec.targets[].backend` must be a ModelBackend of the tenant, and `model` one of its ' +
  '`models` (required when the backend serves several); a problem is a 400 pointing at the field.';

/** Model aliases have the permissions of model backends: both decide where model calls go. */
export const modelAliasRoutes = {
  listModelAliases: defineRoute({
    operationId: 'listModelAliases',
    method: 'get',
    path: '/api/v1/model-aliases',
    tag: 'model-aliases',
    summary: 'List model aliases',
    permission: 'model-backends:read',
    query: PageQuerySchema.extend(LabelSelectorQuery.shape),
    success: { status: 200, description: 'A page of aliases', schema: pageSchema(ModelAliasSchema) },
  }),
  createModelAlias: defineRoute({
    operationId: 'createModelAlias',
    method: 'post',
    path: '/api/v1/model-aliases',
    tag: 'model-aliases',
    summary: 'Create a model alias: one model name routed over several backend models',
    description: TARGETS_CHECKED,
    permission: 'model-backends:write',
    body: ModelAliasWriteSchema,
    etag: true,
    success: { status: 201, description: 'Created', schema: ModelAliasSchema },
  }),
  getModelAlias: defineRoute({
    operationId: 'getModelAlias',
    method: 'get',
    path: '/api/v1/model-aliases/{name}',
    tag: 'model-aliases',
    summary: 'Get a model alias',
    permission: 'model-backends:read',
    params: NameParams,
    etag: true,
    success: { status: 200, description: 'The alias', schema: ModelAliasSchema },
  }),
  replaceModelAlias: defineRoute({
    operationId: 'replaceModelAlias',
    method: 'put',
    path: '/api/v1/model-aliases/{name}',
    tag: 'model-aliases',
    summary: 'Replace a model alias',
    description: TARGETS_CHECKED,
    permission: 'model-backends:write',
    params: NameParams,
    body: ModelAliasWriteSchema,
    etag: true,
    success: { status: 200, description: 'Updated', schema: ModelAliasSchema },
  }),
  deleteModelAlias: defineRoute({
    operationId: 'deleteModelAlias',
    method: 'delete',
    path: '/api/v1/model-aliases/{name}',
    tag: 'model-aliases',
    summary: 'Delete a model alias',
    permission: 'model-backends:write',
    params: NameParams,
    etag: true,
    success: { status: 204, description: 'Deleted' },
  }),
} as const;
