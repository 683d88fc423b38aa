/**
 * The tool manifest: every tool's published listing (name, title, description, JSON schemas,
 * annotations), generated from the tool definitions at build time into dist/tool-manifest.json.
 * Listing tools from it keeps start-up as cheap as a bare SDK server; tests check it matches the code.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { PACKAGE_ROOT } from './paths.js';

export type ManifestTool = Tool & { annotations: NonNullable<Tool['annotations']> & { readOnlyHint: boolean } };

export const MANIFEST_PATH = resolve(PACKAGE_ROOT, 'dist', 'tool-manifest.json');

let cached: ManifestTool[] | null = null;

export function readManifest(): ManifestTool[] {
  if (!cached) {
    let text: string;
    try {
      text = readFileSync(MANIFEST_PATH, 'utf8');
    } catch {
      throw new Error(`tool manifest ${MANIFEST_PATH} is missing: run \`npm run build\``);
    }
    cached = (JSON.parse(text) as { tools: ManifestTool[] }).tools;
  }
  return cached;
}
