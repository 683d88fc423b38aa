/** Build step: write dist/tool-manifest.json from the tool modules, in registry order (see src/manifest.ts). */
import { writeFileSync } from 'node:fs';
import { MANIFEST_PATH, type Manifest, type ManifestTool } from '../src/manifest.js';
import { describeTool } from '../src/server.js';
import { loadCatalogue } from '../src/tools/index.js';

export async function renderManifest(): Promise<string> {
  const catalogue = await loadCatalogue();
  const manifest: Manifest = {
    generatedFrom: 'src/tools (npm run build)',
    tools: catalogue.map((t) => describeTool(t) as ManifestTool),
    groups: Object.fromEntries(catalogue.map((t) => [t.name, t.group])),
  };
  return JSON.stringify(manifest, null, 1) + '\n';
}

if (process.argv[1]?.endsWith('gen-manifest.js')) {
  writeFileSync(MANIFEST_PATH, await renderManifest());
}
