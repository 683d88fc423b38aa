/** Every resource the server can expose; filtered per profile by `requiresTool`. */
import type { ResourceDefinition } from '../resource.js';
import { modeResource } from './mode.js';

export const RESOURCE_CATALOGUE: ResourceDefinition[] = [
  modeResource,
];
