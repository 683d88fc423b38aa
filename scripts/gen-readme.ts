/**
 * Regenerates the README's tables from the code's own schemas and profile files, so they cannot
 * drift: `npm run docs` writes them (and mcp.json, from scripts/clients.ts); test/unit/foundation/readme.test.ts fails when they are stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ENV_VARS } from '../src/config.js';
import { clientsSection, mcpJson } from '../src/clients.js';
import { loadProfile, PROFILE_NAMES, selectTools } from '../src/profiles.js';
import { PACKAGE_ROOT } from '../src/paths.js';
import { BLOCK_FACTS } from '../src/risk/block-rule.js';
import { RiskLimitsSchema } from '../src/risk/limits.js';
import { loadCatalogue } from '../src/tools/index.js';
import { TOOL_GROUPS, type ToolDefinition, type ToolGroup } from '../src/tool.js';
import { DEPENDENCY_LABEL, GROUP_SPECS, type ToolDependency } from '../src/tools/groups.js';

export const README_PATH = resolve(PACKAGE_ROOT, 'README.md');
export const MCP_JSON_PATH = resolve(PACKAGE_ROOT, 'mcp.json');
export { mcpJson };

function configTable(): string {
  const rows = ENV_VARS.map((v) => `| \`${v.name}\` | ${v.meaning} | ${v.default || '—'} |`);
  return ['| variable | meaning | default |', '|---|---|---|', ...rows].join('\n');
}

function groupLine(group: ToolGroup): string {
  const spec = GROUP_SPECS[group];
  const labels = (deps: readonly ToolDependency[]) => deps.map((d) => `the ${DEPENDENCY_LABEL[d]}`).join(' and ');
  const parts = [
    spec.requires.length ? `needs ${labels(spec.requires)}` : '',
    spec.uses.length ? `uses ${labels(spec.uses)} when set` : '',
    spec.note ?? '',
  ].filter(Boolean);
  return `**${spec.title}** (\`${group}\`) — ${parts.length ? parts.join('; ') : 'needs nothing beyond the data dir'}.`;
}

/** One table per group, in TOOL_GROUPS order; tools within a group in registry order. */
function toolTable(catalogue: readonly ToolDefinition[]): string {
  const profiles = PROFILE_NAMES.map((name) =>
    loadProfile(
      name,
      catalogue.map((t) => t.name),
    ),
  );
  const header = [
    `| tool | ${PROFILE_NAMES.join(' | ')} | read-only | destructive | what it does |`,
    `|---|${PROFILE_NAMES.map(() => ':-:').join('|')}|:-:|:-:|---|`,
  ];
  const row = (tool: ToolDefinition) => {
    const marks = profiles.map((p) => (selectTools([tool], p).length ? '✓' : ''));
    const firstSentence = tool.description.split(/(?<=\.)\s+(?=[A-Z])/)[0] ?? tool.description;
    return `| \`${tool.name}\` | ${marks.join(' | ')} | ${tool.annotations.readOnlyHint ? 'yes' : 'no'} | ${tool.annotations.destructiveHint ? 'yes' : 'no'} | ${firstSentence.replace(/\|/g, '\\|')} |`;
  };
  return TOOL_GROUPS.map((group) => catalogue.filter((t) => t.group === group))
    .filter((tools) => tools.length)
    .map((tools) => [groupLine(tools[0]!.group), '', ...header, ...tools.map(row)].join('\n'))
    .join('\n\n');
}

function riskTable(): string {
  const defaults = RiskLimitsSchema.parse({});
  const shape = RiskLimitsSchema.shape as Record<string, { description?: string }>;
  const rows = Object.entries(defaults).map(([key, value]) => {
    const shown = Array.isArray(value) ? value.join(', ') : String(value);
    return `| \`${key}\` | ${shown} | ${shape[key]?.description ?? ''} |`;
  });
  return ['| limit | default | why |', '|---|---|---|', ...rows].join('\n');
}

/** The facts a lesson's block rule may name (src/risk/block-rule.ts). */
function blockFactsTable(): string {
  const rows = Object.entries(BLOCK_FACTS).map(([name, spec]) => {
    const values = (spec as { values?: readonly string[] }).values;
    const kind = values ? values.join(' \\| ') : spec.kind;
    return `| \`${name}\` | ${kind} | ${spec.about.replace(/\|/g, '\\|')} |`;
  });
  return ['| fact | values | what it is |', '|---|---|---|', ...rows].join('\n');
}

export async function renderReadme(current: string): Promise<string> {
  const sections: Record<string, string> = {
    config: configTable(),
    tools: toolTable(await loadCatalogue()),
    risk: riskTable(),
    'block-facts': blockFactsTable(),
    clients: clientsSection(),
  };
  let out = current;
  for (const [name, table] of Object.entries(sections)) {
    const re = new RegExp(`(<!-- generated:${name} -->)[\\s\\S]*?(<!-- /generated:${name} -->)`);
    if (!re.test(out)) throw new Error(`README.md lacks the generated:${name} markers`);
    out = out.replace(re, (_all, open: string, close: string) => `${open}\n${table}\n${close}`);
  }
  return out;
}

if (process.argv[1] && resolve(process.argv[1]).endsWith('gen-readme.js')) {
  const current = readFileSync(README_PATH, 'utf8');
  const next = await renderReadme(current);
  writeFileSync(README_PATH, next);
  const json = mcpJson();
  const jsonChanged = readFileSync(MCP_JSON_PATH, 'utf8') !== json;
  writeFileSync(MCP_JSON_PATH, json);
  process.stdout.write(next === current && !jsonChanged ? 'README.md tables and mcp.json already up to date\n' : 'README.md tables / mcp.json regenerated\n');
}
