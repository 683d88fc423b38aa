/**
 * Configuration: built-in defaults < config file (--config) < environment < flags (SPEC §2).
 * Each layer is a partial of the same shape; the merge is validated once by zod.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';
import { DEFAULT_ALPACA_DATA_URL, DEFAULT_ALPACA_URL, DEFAULT_GATEWAY_URL, ENV_VARS, type EnvKind } from './env-vars.js';
import type { TradingMode } from './orders/order.js';

/** Alpaca's market-data feeds: the first of each is the one its free plan covers. */
export const STOCK_FEEDS = ['iex', 'sip'] as const;
export const OPTIONS_FEEDS = ['indicative', 'opra'] as const;

const url = z.url({ protocol: /^https?$/ });

/** A browser origin, scheme://host[:port] and nothing more; kept in URL's own spelling for comparison. */
const origin = z
  .string()
  .refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'http:' || u.protocol === 'https:') && s.replace(/\/$/, '') === u.origin;
    } catch {
      return false;
    }
  }, 'an allowed origin is scheme://host[:port], e.g. http://localhost:6274')
  .transform((s) => new URL(s).origin);

/** A Host header name as the SDK compares it: a DNS name or IP, lower-case, IPv6 in brackets, no port. */
const hostName = z
  .string()
  .regex(
    /^([a-z0-9]([a-z0-9-]*[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$|^\[[0-9a-f:.]+\]$|^[0-9a-f]*:[0-9a-f]*:[0-9a-f:.]*$/i,
    'an allowed host is a name or IP without scheme or port, e.g. trading-box or 192.168.1.20',
  )
  .transform((s) => s.toLowerCase());

export const ConfigSchema = z.strictObject({
  profile: z.string().min(1).default('analyst').describe('profile name (analyst, council, executor) or path to a profile JSON file'),
  transport: z.enum(['stdio', 'http']).default('stdio').describe('MCP transport'),
  host: z.string().min(1).default('127.0.0.1').describe('HTTP bind address'),
  port: z.number().int().min(0).max(65535).default(3333).describe('HTTP port'),
  dataDir: z.string().min(1).default(resolve(homedir(), '.tars-trading-mcp')).describe('data dir: every durable file lives here'),
  broker: z.enum(['sim', 'alpaca']).optional().describe('broker; default alpaca when Alpaca keys are set, else sim'),
  logLevel: z.enum(['debug', 'info', 'warn', 'error']).default('info').describe('stderr log level'),
  gateway: z
    .strictObject({
      baseUrl: url.default(DEFAULT_GATEWAY_URL).describe('OpenAI-compatible gateway base URL'),
      apiKey: z.string().min(1).optional().describe('gateway key'),
    })
    .prefault({}),
  budget: z
    .strictObject({
      dailyUsd: z.number().nonnegative().finite().default(0.83).describe('daily LLM budget in USD'),
      monthlyUsd: z.number().nonnegative().finite().default(25).describe('monthly LLM budget in USD'),
      criticalDailyUsd: z
        .number()
        .nonnegative()
        .finite()
        .default(5)
        .describe('daily cap of the critical tier (Opus confirmations), apart from the shared budget'),
    })
    .prefault({}),
  tiersPath: z.string().min(1).optional().describe('tier/price table overriding the shipped one'),
  alpaca: z
    .strictObject({
      keyId: z.string().min(1).optional(),
      secretKey: z.string().min(1).optional(),
      baseUrl: url.default(DEFAULT_ALPACA_URL),
      dataUrl: url.default(DEFAULT_ALPACA_DATA_URL),
      timeoutMs: z.number().int().min(100).max(120_000).default(10_000).describe('per-request Alpaca timeout in ms'),
      dataFeed: z.enum(STOCK_FEEDS).default('iex').describe('stock data feed: iex (free plan) or sip (paid plan)'),
      optionsFeed: z.enum(OPTIONS_FEEDS).default('indicative').describe('options data feed: indicative (free plan) or opra (paid plan)'),
    })
    .prefault({}),
  simulatedModels: z
    .boolean()
    .default(false)
    .describe('scripted stand-ins instead of the gateway (council, Opus confirmation, analysis): sim broker only, every result says so'),
  allowLive: z.boolean().default(false).describe('must be true for a live (non-paper) Alpaca base URL'),
  databaseUrl: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'TRADING_MCP_DATABASE_URL must be a postgres:// URL')
    .optional()
    .describe('shared PostgreSQL for the durable records (SPEC §16); unset: SQLite under the data dir'),
  httpToken: z.string().min(16, 'TRADING_MCP_HTTP_TOKEN must be at least 16 characters').optional(),
  http: z
    .strictObject({
      maxSessions: z.number().int().min(1).max(10_000).default(64).describe('live HTTP sessions at most: past it an initialize gets 503 and builds nothing'),
      sessionIdleMs: z.number().int().min(1_000).max(86_400_000).default(900_000).describe('an HTTP session with no request for this long is closed'),
      stateless: z
        .boolean()
        .default(false)
        .describe('no sessions: each POST is served by a fresh server and transport, so replicas behind any load balancer work'),
      allowedOrigins: z.array(origin).default([]).describe("browser origins allowed besides the server's own scheme://host:port"),
      allowedHosts: z
        .array(hostName)
        .default([])
        .describe('Host header names (no port) the server answers to besides loopback and the bind address, e.g. its own name or IP'),
    })
    .prefault({}),
  narrow: z
    .strictObject({
      tools: z.array(z.string().min(1)).min(1).optional().describe("only these of the profile's tools (never adds one)"),
      excludeTools: z.array(z.string().min(1)).default([]).describe("drop these of the profile's tools"),
      readOnly: z.boolean().default(false).describe('only read-only tools, whatever the profile says'),
    })
    .prefault({}),
  sim: z
    .strictObject({
      startingCash: z.number().positive().finite().default(100_000).describe('sim broker starting cash'),
      seed: z.number().int().default(42).describe('seed of the sim price paths'),
      clock: z.iso.datetime({ offset: true }).optional().describe('pin the sim clock to this instant (tests, demos); default: real time'),
    })
    .prefault({}),
});

export type Config = z.output<typeof ConfigSchema>;
type Layer = Record<string, unknown>;

export { DEFAULT_ALPACA_DATA_URL, DEFAULT_ALPACA_URL, DEFAULT_GATEWAY_URL, ENV_VARS, type EnvKind } from './env-vars.js';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

function setPath(target: Layer, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    node[key] = (node[key] as Layer | undefined) ?? {};
    node = node[key] as Layer;
  }
  node[keys[keys.length - 1]!] = value;
}

function mergeLayers(...layers: Layer[]): Layer {
  const out: Layer = {};
  for (const layer of layers) {
    for (const [k, v] of Object.entries(layer)) {
      if (v === undefined) continue;
      out[k] = v !== null && typeof v === 'object' && !Array.isArray(v) ? mergeLayers((out[k] as Layer) ?? {}, v as Layer) : v;
    }
  }
  return out;
}

function parseScalar(name: string, kind: EnvKind, raw: string): unknown {
  if (kind === 'string') return raw;
  if (kind === 'list')
    return raw
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);
  if (kind === 'number') {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n)) throw new ConfigError(`${name} must be a number, got "${raw}"`);
    return n;
  }
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0' || raw === '') return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

/** The environment layer. Earlier names in ENV_VARS win for the same path (LLM_GATEWAY_API_KEY over TETRATE_API_KEY over TARS_API_KEY). */
export function envLayer(env: NodeJS.ProcessEnv): Layer {
  const layer: Layer = {};
  const seen = new Set<string>();
  for (const v of ENV_VARS) {
    const raw = env[v.name];
    if (raw === undefined || raw === '' || seen.has(v.path)) continue;
    seen.add(v.path);
    setPath(layer, v.path, parseScalar(v.name, v.kind, raw));
  }
  return layer;
}

export function fileLayer(path: string): Layer {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not a JSON object');
    return parsed as Layer;
  } catch (err) {
    throw new ConfigError(`config file ${path} is not valid JSON: ${(err as Error).message}`);
  }
}

export interface FlagValues {
  config?: string;
  profile?: string;
  transport?: string;
  host?: string;
  port?: string;
  'data-dir'?: string;
  broker?: string;
  'http-max-sessions'?: string;
  'http-session-idle-ms'?: string;
  'allowed-hosts'?: string;
  stateless?: boolean;
  tools?: string;
  'exclude-tools'?: string;
  'read-only'?: boolean;
  'simulated-models'?: boolean;
}

export function flagLayer(flags: FlagValues): Layer {
  const layer: Layer = {};
  if (flags.profile !== undefined) layer.profile = flags.profile;
  if (flags.transport !== undefined) layer.transport = flags.transport;
  if (flags.host !== undefined) layer.host = flags.host;
  if (flags.port !== undefined) layer.port = parseScalar('--port', 'number', flags.port);
  if (flags['data-dir'] !== undefined) layer.dataDir = flags['data-dir'];
  if (flags.broker !== undefined) layer.broker = flags.broker;
  const http: Layer = {};
  if (flags['http-max-sessions'] !== undefined) http.maxSessions = parseScalar('--http-max-sessions', 'number', flags['http-max-sessions']);
  if (flags['http-session-idle-ms'] !== undefined) http.sessionIdleMs = parseScalar('--http-session-idle-ms', 'number', flags['http-session-idle-ms']);
  if (flags['allowed-hosts'] !== undefined) http.allowedHosts = parseScalar('--allowed-hosts', 'list', flags['allowed-hosts']);
  if (flags.stateless) http.stateless = true;
  if (Object.keys(http).length) layer.http = http;
  const narrow: Layer = {};
  if (flags.tools !== undefined) narrow.tools = parseScalar('--tools', 'list', flags.tools);
  if (flags['exclude-tools'] !== undefined) narrow.excludeTools = parseScalar('--exclude-tools', 'list', flags['exclude-tools']);
  if (flags['read-only']) narrow.readOnly = true;
  if (flags['simulated-models']) layer.simulatedModels = true;
  if (Object.keys(narrow).length) layer.narrow = narrow;
  return layer;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.length ? issue.path.join('.') : 'config';
  return `${where}: ${issue.message}`;
}

export function loadConfig(flags: FlagValues, env: NodeJS.ProcessEnv = process.env): Config {
  const configPath = flags.config ?? env.TRADING_MCP_CONFIG;
  const merged = mergeLayers(configPath ? fileLayer(configPath) : {}, envLayer(env), flagLayer(flags));
  const parsed = ConfigSchema.safeParse(merged);
  if (!parsed.success) throw new ConfigError(`invalid configuration: ${parsed.error.issues.map(describeIssue).join('; ')}`);
  const config = parsed.data;
  config.dataDir = resolve(config.dataDir.replace(/^~(?=\/|$)/, homedir()));
  return config;
}

/**
 * A value copied from an example without being filled in (`<your-key>`, `...`, `your-…`,
 * `changeme`) is refused at start-up, naming the variable: a placeholder Alpaca key would select
 * Alpaca with a bad key, a placeholder gateway key would count as configured.
 */
const PLACEHOLDER = /^(<.*>|\.{3}|x{3,}|your[-_ ].*|changeme|replace[-_ ]?me|todo)$/i;

export function refusePlaceholders(config: Config): void {
  const secrets: Array<[string, string | undefined]> = [
    ['the gateway key (LLM_GATEWAY_API_KEY / TETRATE_API_KEY / TARS_API_KEY)', config.gateway.apiKey],
    ['APCA_API_KEY_ID', config.alpaca.keyId],
    ['APCA_API_SECRET_KEY', config.alpaca.secretKey],
    ['TRADING_MCP_HTTP_TOKEN', config.httpToken],
  ];
  for (const [name, value] of secrets) {
    if (value !== undefined && PLACEHOLDER.test(value.trim())) {
      throw new ConfigError(
        `${name} is still a placeholder ("${value.trim()}"): put the real value in, or remove the entry (no Alpaca keys → the simulated broker; no gateway key → LLM tools refuse cleanly)`,
      );
    }
  }
}

/**
 * Simulated models only beside the simulated broker: a scripted approval must never reach a paper
 * or live account. They replace the gateway (its URL and key) for the whole process.
 */
export function applySimulatedModels(config: Config, mode: TradingMode, urls: { baseUrl: string; apiKey: string }): void {
  if (!config.simulatedModels) return;
  if (mode !== 'sim') {
    throw new ConfigError(
      `simulated models run only with the simulated broker, not in ${mode} mode: unset TRADING_MCP_SIMULATED_MODELS / --simulated-models, or use --broker sim`,
    );
  }
  config.gateway = { ...config.gateway, ...urls };
}

/** The broker actually used: explicit choice, else alpaca when both keys are present, else sim. */
export function resolveBroker(config: Config): 'sim' | 'alpaca' {
  if (config.broker) return config.broker;
  return config.alpaca.keyId && config.alpaca.secretKey ? 'alpaca' : 'sim';
}

/**
 * Paper is Alpaca's paper host or the usual loopback names (our loopback fake Alpaca).
 * Anything else, other loopback addresses such as 127.0.0.2 included, is treated as live.
 */
export function isPaperUrl(baseUrl: string): boolean {
  const host = new URL(baseUrl).hostname;
  return host === 'paper-api.alpaca.markets' || host === '127.0.0.1' || host === 'localhost' || host === '[::1]';
}

/** sim | paper | live, and the start-up safety rules that go with it (SPEC §6). */
export function resolveMode(config: Config): TradingMode {
  const broker = resolveBroker(config);
  if (broker === 'sim') return 'sim';
  if (!config.alpaca.keyId || !config.alpaca.secretKey) throw new ConfigError('broker alpaca needs APCA_API_KEY_ID and APCA_API_SECRET_KEY');
  if (isPaperUrl(config.alpaca.baseUrl)) return 'paper';
  if (!config.allowLive)
    throw new ConfigError(`APCA_API_BASE_URL ${config.alpaca.baseUrl} is a live trading URL; set TRADING_MCP_ALLOW_LIVE=true to trade real money`);
  return 'live';
}
