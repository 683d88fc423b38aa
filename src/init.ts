/**
 * `tars-trading-mcp init`: a first configuration in one step. Asks (on a terminal) or takes flags
 * for the profile, the data dir and the client; takes keys from the terminal or from the
 * variables already set (never from flags: they would sit in the shell's history); writes
 * `<data dir>/config.json` (mode 0600), runs `doctor` on it and prints the client snippet that
 * starts the server with that file. Secrets are never printed.
 */
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { bootstrap } from './bootstrap.js';
import { CLIENTS, type ClientName, snippetFor } from './clients.js';
import { ConfigError } from './config.js';
import { PROFILE_NAMES } from './profiles.js';

export interface InitFlags {
  profile?: string;
  'data-dir'?: string;
  client?: string;
  force?: boolean;
}

interface Answers {
  profile: string;
  dataDir: string;
  client: ClientName;
  gatewayKey?: string;
  alpacaKeyId?: string;
  alpacaSecret?: string;
}

type Ask = (question: string, fallback: string) => Promise<string>;

function fromEnv(env: NodeJS.ProcessEnv, ...names: string[]): string | undefined {
  for (const n of names) if (env[n]) return env[n];
  return undefined;
}

async function gather(flags: InitFlags, env: NodeJS.ProcessEnv, ask: Ask | null): Promise<Answers> {
  const pick = async (given: string | undefined, question: string, fallback: string) => given ?? (ask ? await ask(question, fallback) : fallback);
  const profile = await pick(flags.profile, `profile (${PROFILE_NAMES.join(', ')})`, 'analyst');
  const dataDir = resolve((await pick(flags['data-dir'], 'data dir', join(homedir(), '.tars-trading-mcp'))).replace(/^~(?=\/|$)/, homedir()));
  const client = await pick(flags.client, `client (${CLIENTS.join(', ')})`, 'claude-desktop');
  if (!(CLIENTS as readonly string[]).includes(client)) throw new ConfigError(`unknown client "${client}": use ${CLIENTS.join(', ')}`);
  const secret = async (value: string | undefined, question: string) => value ?? (ask ? (await ask(`${question} (blank: none)`, '')) || undefined : undefined);
  const gatewayKey = await secret(fromEnv(env, 'LLM_GATEWAY_API_KEY', 'TETRATE_API_KEY', 'TARS_API_KEY'), 'gateway key (Tetrate Agent Router)');
  const alpacaKeyId = await secret(fromEnv(env, 'APCA_API_KEY_ID'), 'Alpaca paper key id');
  const alpacaSecret = alpacaKeyId ? await secret(fromEnv(env, 'APCA_API_SECRET_KEY'), 'Alpaca paper secret') : undefined;
  return { profile, dataDir, client: client as ClientName, gatewayKey, alpacaKeyId, alpacaSecret };
}

function configOf(a: Answers): Record<string, unknown> {
  return {
    profile: a.profile,
    dataDir: a.dataDir,
    ...(a.gatewayKey ? { gateway: { apiKey: a.gatewayKey } } : {}),
    ...(a.alpacaKeyId && a.alpacaSecret ? { alpaca: { keyId: a.alpacaKeyId, secretKey: a.alpacaSecret } } : {}),
  };
}

function terminalAsk(): { ask: Ask; close(): void } {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  return {
    ask: async (question, fallback) => (await rl.question(`${question}${fallback ? ` [${fallback}]` : ''}: `)).trim() || fallback,
    close: () => rl.close(),
  };
}

/** Runs init; returns the text for stdout and the exit code (doctor's). */
export async function runInit(flags: InitFlags, env: NodeJS.ProcessEnv = process.env): Promise<{ out: string; code: number }> {
  const terminal = process.stdin.isTTY ? terminalAsk() : null;
  let answers: Answers;
  try {
    answers = await gather(flags, env, terminal?.ask ?? null);
  } finally {
    terminal?.close();
  }
  const path = join(answers.dataDir, 'config.json');
  if (existsSync(path) && !flags.force) throw new ConfigError(`${path} exists; pass --force to overwrite it`);
  const config = configOf(answers);
  mkdirSync(answers.dataDir, { recursive: true, mode: 0o700 });
  writeConfig(path, config);
  let deps: ReturnType<typeof bootstrap>;
  try {
    deps = bootstrap({ config: path }, {}); // the file alone: a wrong profile or a placeholder key never stays written
  } catch (err) {
    rmSync(path, { force: true });
    throw err;
  }
  const { runDoctor } = await import('./doctor/index.js');
  const results = await runDoctor(deps, { writeTiers: false }).finally(() => deps.close());
  const doctor = results.map(
    (r) => `  ${r.status === 'ok' ? ' ok ' : r.status === 'warn' ? 'warn' : 'FAIL'}  ${r.area.padEnd(8)} ${r.name.padEnd(22)} ${r.detail}`,
  );
  const entry = { name: `tars-${answers.profile.replace(/\.json$/, '').replace(/[^a-z0-9-]/gi, '-')}`, args: ['--config', path], env: {}, note: '' };
  const out = [
    `wrote ${path} (mode 0600): profile ${answers.profile}, broker ${config.alpaca ? 'alpaca (paper)' : 'sim'}, gateway key ${answers.gatewayKey ? 'set' : 'not set'}`,
    '',
    'doctor:',
    ...doctor,
    '',
    `${answers.client} configuration (the server reads the keys from ${path}):`,
    snippetFor(answers.client, entry).trimEnd(),
  ].join('\n');
  return { out, code: results.some((r) => r.status === 'fail') ? 1 : 0 };
}

function writeConfig(path: string, config: Record<string, unknown>): void {
  writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600); // an existing file keeps its old mode otherwise
}
