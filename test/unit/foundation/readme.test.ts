import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MCP_JSON_PATH, mcpJson, README_PATH, renderReadme } from '../../../scripts/gen-readme.js';

describe('README', () => {
  it('its generated tables match the code (run `npm run docs` after changing tools, env vars, profiles or limits)', async () => {
    const current = readFileSync(README_PATH, 'utf8');
    expect(await renderReadme(current)).toBe(current);
  });

  it('mcp.json is generated from the same client entries as the README snippets', () => {
    expect(readFileSync(MCP_JSON_PATH, 'utf8')).toBe(mcpJson());
  });
});
