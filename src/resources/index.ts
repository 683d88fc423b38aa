/** Every resource the server can expose; filtered per profile by `requiresTool`. */
import type { ResourceDefinition } from '../resource.js';
import { modeResource } from './mode.js';
import { councilResource } from './council.js';
import { usageResource } from './usage.js';
import { auditResource } from './audit.js';
import { arenaResource } from './arena.js';

export const RESOURCE_CATALOGUE: ResourceDefinition[] = [modeResource, councilResource, arenaResource, usageResource, auditResource];
