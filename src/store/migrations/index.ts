import type { Migration } from 'kysely';
import * as foundation from './0001-foundation.ts';
import * as runs from './0002-runs.ts';
import * as audit from './0003-audit.ts';
import * as governance from './0004-governance.ts';
import * as modelAliases from './0005-model-aliases.ts';
import * as semanticCache from './0006-semantic-cache.ts';
import * as vector from './0007-vector.ts';
import * as tools from './0008-tools.ts';
import * as directApprovals from './0009-direct-approvals.ts';
import * as telemetry from './0010-telemetry.ts';
import * as knowledge from './0011-knowledge.ts';
import * as triggers from './0012-triggers.ts';
import * as feedback from './0013-feedback.ts';
import * as knowledgeTerms from './0014-knowledge-terms.ts';

/** Forward-only migrations in order. Never edit a released one; add the next. */
export const MIGRATIONS: Record<string, Migration> = {
  '0001-foundation': foundation,
  '0002-runs': runs,
  '0003-audit': audit,
  '0004-governance': governance,
  '0005-model-aliases': modelAliases,
  '0006-semantic-cache': semanticCache,
  '0007-vector': vector,
  '0008-tools': tools,
  '0009-direct-approvals': directApprovals,
  '0010-telemetry': telemetry,
  '0011-knowledge': knowledge,
  '0012-triggers': triggers,
  '0013-feedback': feedback,
  '0014-knowledge-terms': knowledgeTerms,
};
