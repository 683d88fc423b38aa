/** Build step: write dist/tool-manifest.json from the tool definitions (see src/manifest.ts). */
import { writeFileSync } from 'node:fs';
import { MANIFEST_PATH } from '../src/manifest.js';
import { describeTool } from '../src/server.js';
import { loadCatalogue } from '../src/tools/index.js';

export async function renderManifest(): Promise<string> {
  const tools = (await loadCatalogue()).map(describeTool);
  return JSON.stringify({ generatedFrom: 'src/tools (npm run build)', tools }, null, 1) + '\n';
}

if (process.argv[1]?.endsWith('gen-manifest.js')) {
  writeFileSync(MANIFEST_PATH, await renderManifest());
}
