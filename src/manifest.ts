/**
 * The tool manifest: every tool's published listing (name, title, description, JSON schemas,
 * annotations) and its group, generated from the tool modules at build time into
 * dist/tool-manifest.json, in registry order (src/tools/index.ts). Listing tools from it keeps
 * start-up as cheap as a bare SDK server; tests check it matches the code.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { PACKAGE_ROOT } from './paths.js';
import type { ToolGroup } from './tool.js';

export type ManifestTool = Tool & { annotations: NonNullable<Tool['annotations']> & { readOnlyHint: boolean } };

export interface Manifest {
  generatedFrom: string;
  /** Exactly what tools/list publishes, in registry order. */
  tools: ManifestTool[];
  /** Each tool's group, kept beside the listing so it is never published to clients. */
  groups: Record<string, ToolGroup>;
}

export const MANIFEST_PATH = resolve(PACKAGE_ROOT, 'dist', 'tool-manifest.json');

let cached: Manifest | null = null;

function manifest(): Manifest {
  if (!cached) {
    let text: string;
    try {
      text = readFileSync(MANIFEST_PATH, 'utf8');
    } catch {
      throw new Error(`tool manifest ${MANIFEST_PATH} is missing: run \`npm run build\``);
    }
    cached = JSON.parse(text) as Manifest;
  }
  return cached;
}

export function readManifest(): ManifestTool[] {
  return manifest().tools;
}

/** Every tool name the build knows, in registry order (profiles may name only these). */
export function manifestToolNames(): string[] {
  return manifest().tools.map((t) => t.name);
}

export function manifestGroupOf(name: string): ToolGroup | undefined {
  return manifest().groups[name];
}
