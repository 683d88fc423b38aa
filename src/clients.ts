/**
 * One source for every client configuration we document: the README's snippets for Claude
 * Desktop, Claude Code, Cursor and VS Code, and `mcp.json`. The command is `tars-trading-mcp` as
 * installed by `npm install -g .` from a clone (or the registry once published); the sim entries
 * need no key at all, the paper entries carry placeholders the server refuses to start with.
 * test/e2e/clients.test.ts runs each snippet's command line and lists the tools; `init` prints one
 * for the client a person names.
 */
export const COMMAND = 'tars-trading-mcp';

export interface ClientEntry {
  name: string;
  args: string[];
  env: Record<string, string>;
  /** What a reader must do before it runs. */
  note: string;
}

const PAPER_ENV = {
  TETRATE_API_KEY: '<REPLACE: your Tetrate Agent Router key>',
  APCA_API_KEY_ID: '<REPLACE: Alpaca paper key id>',
  APCA_API_SECRET_KEY: '<REPLACE: Alpaca paper secret>',
};

/** Sim entries first: they run as they are. */
export const ENTRIES: readonly ClientEntry[] = [
  { name: 'tars-analyst', args: ['--profile', 'analyst'], env: {}, note: 'sim broker, no keys' },
  { name: 'tars-council', args: ['--profile', 'council'], env: {}, note: 'sim broker, no keys (council_vote refuses without a gateway key)' },
  {
    name: 'tars-executor',
    args: ['--profile', 'executor'],
    env: {},
    note: 'sim broker, no keys (place_order refuses without a gateway key: no Opus, no order)',
  },
  { name: 'tars-executor-paper', args: ['--profile', 'executor'], env: PAPER_ENV, note: 'Alpaca paper: replace the three placeholders first' },
];

export const SIM_ENTRIES = ENTRIES.filter((e) => Object.keys(e.env).length === 0);

function serverJson(entries: readonly ClientEntry[], vscode: boolean): Record<string, unknown> {
  return Object.fromEntries(
    entries.map((e) => [
      e.name,
      { ...(vscode ? { type: 'stdio' } : {}), command: COMMAND, args: e.args, ...(Object.keys(e.env).length ? { env: e.env } : {}) },
    ]),
  );
}

/** JSON with arrays of strings on one line, as people write client configs. */
function pretty(value: unknown): string {
  return `${JSON.stringify(value, null, 2).replace(/\[\n\s*("[^"\n]*"(?:,\n\s*"[^"\n]*")*)\n\s*\]/g, (_all, items: string) => `[${items.replace(/,\n\s*/g, ', ')}]`)}\n`;
}

/** mcp.json and the Claude Desktop / Cursor files share the `mcpServers` shape. */
export function mcpJson(entries: readonly ClientEntry[] = ENTRIES): string {
  return pretty({ mcpServers: serverJson(entries, false) });
}

function claudeCode(entries: readonly ClientEntry[]): string {
  return entries
    .map((e) => {
      const env = Object.entries(e.env)
        .map(([k]) => ` -e ${k}=...`)
        .join('');
      return `claude mcp add ${e.name}${env} -- ${COMMAND} ${e.args.join(' ')}`;
    })
    .join('\n');
}

/** The README section between its generated:clients markers. */
export function clientsSection(): string {
  const sim = SIM_ENTRIES;
  const block = (lang: string, text: string) => `\`\`\`${lang}\n${text.trimEnd()}\n\`\`\``;
  return [
    '**Claude Desktop** — put this in `claude_desktop_config.json` (or copy entries from [`mcp.json`](mcp.json), whose',
    '`tars-executor-paper` entry holds placeholders the server refuses to start with until you fill them in):',
    '',
    block('json', mcpJson(sim)),
    '',
    '**Claude Code**',
    '',
    block('sh', claudeCode(ENTRIES)),
    '',
    '**Cursor** — `.cursor/mcp.json` in the project (or `~/.cursor/mcp.json`):',
    '',
    block('json', mcpJson(sim.slice(0, 1))),
    '',
    '**VS Code** — `.vscode/mcp.json`:',
    '',
    block('json', pretty({ servers: serverJson(sim.slice(0, 1), true) })),
  ].join('\n');
}

export const CLIENTS = ['claude-desktop', 'claude-code', 'cursor', 'vscode'] as const;
export type ClientName = (typeof CLIENTS)[number];

/** The snippet for one client and one server entry (used by `tars-trading-mcp init`). */
export function snippetFor(client: ClientName, entry: ClientEntry): string {
  if (client === 'claude-code') return claudeCode([entry]);
  if (client === 'vscode') return pretty({ servers: serverJson([entry], true) });
  return mcpJson([entry]);
}
