import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderManifest } from '../../../scripts/gen-manifest.js';
import { MANIFEST_PATH, manifestGroupOf, manifestToolNames, readManifest } from '../../../src/manifest.js';
import { TOOL_GROUPS } from '../../../src/tool.js';
import { GROUP_SPECS } from '../../../src/tools/groups.js';
import { loadCatalogue, loadTool, TOOL_MODULES } from '../../../src/tools/index.js';
import { READ_ONLY } from '../../support/profiles.js';

const catalogue = await loadCatalogue();

describe('tool manifest', () => {
  it('the built manifest is exactly what the tool definitions describe (rebuild after changing a tool)', async () => {
    expect(readFileSync(MANIFEST_PATH, 'utf8')).toBe(await renderManifest());
  });

  it('lists the registry in order, with the name and group each module declares, and publishes nothing more', () => {
    expect(catalogue).toHaveLength(TOOL_MODULES.length);
    expect(manifestToolNames()).toEqual(catalogue.map((t) => t.name));
    for (const tool of catalogue) expect(manifestGroupOf(tool.name), tool.name).toBe(tool.group);
    // The group stays out of the published listing: tools/list shows exactly the MCP fields.
    for (const listed of readManifest())
      expect(Object.keys(listed).sort()).toEqual(['annotations', 'description', 'inputSchema', 'name', 'outputSchema', 'title']);
  });

  it('names every SPEC tool exactly once', () => {
    expect(new Set(manifestToolNames()).size).toBe(manifestToolNames().length);
    expect([...manifestToolNames()].sort()).toEqual(Object.keys(READ_ONLY).sort());
  });

  it('loads each tool lazily from its manifest position, and nothing for an unknown name', async () => {
    for (const tool of catalogue) expect((await loadTool(tool.name))!.name).toBe(tool.name);
    expect(loadTool('rm_rf')).toBeNull();
  });
});

describe('tool definitions', () => {
  it('each has a group from the fixed set, and every group says what it needs', () => {
    for (const tool of catalogue) expect(TOOL_GROUPS, tool.name).toContain(tool.group);
    expect(Object.keys(GROUP_SPECS).sort()).toEqual([...TOOL_GROUPS].sort());
  });

  it('each declares all four annotations as booleans, and only those', () => {
    for (const tool of catalogue) {
      expect(Object.keys(tool.annotations).sort(), tool.name).toEqual(['destructiveHint', 'idempotentHint', 'openWorldHint', 'readOnlyHint']);
      for (const value of Object.values(tool.annotations)) expect(typeof value, tool.name).toBe('boolean');
      expect(tool.annotations.readOnlyHint, tool.name).toBe(READ_ONLY[tool.name]);
    }
  });

  it('each has a snake_case name, a title and a description', () => {
    for (const tool of catalogue) {
      expect(tool.name).toMatch(/^[a-z][a-z0-9_]{2,63}$/);
      expect(tool.title.length, tool.name).toBeGreaterThan(2);
      expect(tool.description.length, tool.name).toBeGreaterThan(20);
    }
  });
});
