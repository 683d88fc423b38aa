/** A read-only MCP resource: JSON produced from the process's dependencies. */
import type { Deps } from './deps.js';

export interface ResourceDefinition {
  uri: string;
  name: string;
  title: string;
  description: string;
  /** Listed only when this tool is in the active profile (undefined: always). */
  requiresTool?: string;
  read(deps: Deps): Promise<unknown>;
}

export function defineResource(def: ResourceDefinition): ResourceDefinition {
  return def;
}
