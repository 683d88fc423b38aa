import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderManifest } from '../../../scripts/gen-manifest.js';
import { MANIFEST_PATH } from '../../../src/manifest.js';
import { TOOL_NAMES } from '../../../src/tools/names.js';
import { TOOL_MODULES } from '../../../src/tools/index.js';

describe('tool manifest', () => {
  it('the built manifest is exactly what the tool definitions describe (rebuild after changing a tool)', async () => {
    expect(readFileSync(MANIFEST_PATH, 'utf8')).toBe(await renderManifest());
  });
  it('names every SPEC tool once, each module exporting the tool it is named for', async () => {
    expect(TOOL_MODULES.map((m) => m.name).sort()).toEqual([...TOOL_NAMES].sort());
    for (const m of TOOL_MODULES) expect((await m.load()).name).toBe(m.name);
  });
});
