import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, resolveMode } from '../../../src/config.js';
import { loadProfile, ProfileSchema, selectTools } from '../../../src/profiles.js';
import { manifestToolNames } from '../../../src/manifest.js';
import { tempDataDir } from '../../support/client.js';

describe('config layering: defaults < file < env < flags', () => {
  const file = join(tempDataDir(), 'config.json');
  writeFileSync(file, JSON.stringify({ profile: 'council', port: 4000, budget: { dailyUsd: 2 }, host: '127.0.0.1' }));

  it('uses defaults', () => {
    const c = loadConfig({}, {});
    expect(c).toMatchObject({ profile: 'analyst', transport: 'stdio', host: '127.0.0.1', port: 3333, budget: { dailyUsd: 0.83, monthlyUsd: 25 } });
    expect(c.gateway.baseUrl).toBe('https://api.router.tetrate.ai/v1');
    expect(resolveMode(c)).toBe('sim');
  });
  it('file over defaults, env over file, flags over env', () => {
    expect(loadConfig({ config: file }, {})).toMatchObject({ profile: 'council', port: 4000, budget: { dailyUsd: 2, monthlyUsd: 25 } });
    expect(loadConfig({ config: file }, { TRADING_MCP_PROFILE: 'executor', TRADING_MCP_DAILY_BUDGET_USD: '1.5' })).toMatchObject({
      profile: 'executor',
      budget: { dailyUsd: 1.5 },
    });
    expect(loadConfig({ config: file, profile: 'analyst', port: '5000' }, { TRADING_MCP_PROFILE: 'executor' })).toMatchObject({
      profile: 'analyst',
      port: 5000,
    });
  });
  it('the critical daily cap: default 5, file < env, never coerced', () => {
    const capFile = join(tempDataDir(), 'config-critical.json');
    writeFileSync(capFile, JSON.stringify({ budget: { criticalDailyUsd: 2 } }));
    expect(loadConfig({}, {}).budget.criticalDailyUsd).toBe(5);
    expect(loadConfig({ config: capFile }, {}).budget).toMatchObject({ criticalDailyUsd: 2, dailyUsd: 0.83 });
    expect(loadConfig({ config: capFile }, { TRADING_MCP_CRITICAL_DAILY_BUDGET_USD: '0.5' }).budget.criticalDailyUsd).toBe(0.5);
    expect(() => loadConfig({}, { TRADING_MCP_CRITICAL_DAILY_BUDGET_USD: 'five' })).toThrow(/TRADING_MCP_CRITICAL_DAILY_BUDGET_USD must be a number/);
    expect(() => loadConfig({}, { TRADING_MCP_CRITICAL_DAILY_BUDGET_USD: '-1' })).toThrow(/budget.criticalDailyUsd/);
  });
  it('profiles: confirmation.maxConfirmationsPerHour defaults to 12 and must be a positive integer', () => {
    const base = { name: 'p', description: 'd', tools: ['place_order'] };
    expect(ProfileSchema.parse(base).confirmation).toEqual({ rejectCooldownSec: 900, maxConfirmationsPerHour: 12 });
    expect(loadProfile('executor', manifestToolNames()).confirmation.maxConfirmationsPerHour).toBe(12);
    for (const bad of [0, -1, 1.5, '12'])
      expect(ProfileSchema.safeParse({ ...base, confirmation: { maxConfirmationsPerHour: bad } }).success, String(bad)).toBe(false);
  });
  it('gateway key precedence: LLM_GATEWAY_API_KEY, then TETRATE_API_KEY, then TARS_API_KEY', () => {
    expect(loadConfig({}, { TARS_API_KEY: 'c', TETRATE_API_KEY: 'b', LLM_GATEWAY_API_KEY: 'a' }).gateway.apiKey).toBe('a');
    expect(loadConfig({}, { TARS_API_KEY: 'c', TETRATE_API_KEY: 'b' }).gateway.apiKey).toBe('b');
    expect(loadConfig({}, { TARS_API_KEY: 'c' }).gateway.apiKey).toBe('c');
    expect(loadConfig({}, { TARS_API_BASE: 'http://127.0.0.1:9/v1' }).gateway.baseUrl).toBe('http://127.0.0.1:9/v1');
  });
  it('refuses malformed values with one clear message, never coerces', () => {
    expect(() => loadConfig({}, { TRADING_MCP_DAILY_BUDGET_USD: 'lots' })).toThrow(ConfigError);
    expect(() => loadConfig({}, { TRADING_MCP_ALLOW_LIVE: 'yes please' })).toThrow(/true or false/);
    expect(() => loadConfig({ transport: 'smoke' }, {})).toThrow(/transport/);
    expect(() => loadConfig({ config: join(tempDataDir(), 'missing.json') }, {})).toThrow(/cannot read config file/);
  });
  it('alpaca keys select paper; a live URL needs TRADING_MCP_ALLOW_LIVE=true', () => {
    const keys = { APCA_API_KEY_ID: 'k', APCA_API_SECRET_KEY: 's' };
    expect(resolveMode(loadConfig({}, keys))).toBe('paper');
    expect(() => resolveMode(loadConfig({}, { ...keys, APCA_API_BASE_URL: 'https://api.alpaca.markets' }))).toThrow(/TRADING_MCP_ALLOW_LIVE/);
    expect(resolveMode(loadConfig({}, { ...keys, APCA_API_BASE_URL: 'https://api.alpaca.markets', TRADING_MCP_ALLOW_LIVE: 'true' }))).toBe('live');
    expect(() => resolveMode(loadConfig({ broker: 'alpaca' }, {}))).toThrow(/APCA_API_KEY_ID/);
  });
});

describe('HTTP session settings (SPEC §11)', () => {
  it("default to 64 sessions, 15 minutes idle, only the server's own origin", () => {
    expect(loadConfig({}, {}).http).toEqual({ maxSessions: 64, sessionIdleMs: 900_000, stateless: false, allowedOrigins: [], allowedHosts: [] });
  });
  it('layer file < env < flags, and read a comma-separated origin list', () => {
    const file = join(tempDataDir(), 'http.json');
    writeFileSync(file, JSON.stringify({ http: { maxSessions: 4, sessionIdleMs: 60_000, allowedOrigins: ['https://desk.example'] } }));
    expect(loadConfig({ config: file }, {}).http).toEqual({
      maxSessions: 4,
      sessionIdleMs: 60_000,
      stateless: false,
      allowedOrigins: ['https://desk.example'],
      allowedHosts: [],
    });
    const env = {
      TRADING_MCP_HTTP_MAX_SESSIONS: '8',
      TRADING_MCP_HTTP_SESSION_IDLE_MS: '5000',
      TRADING_MCP_HTTP_ORIGINS: 'http://localhost:6274, https://app.example:8443',
    };
    expect(loadConfig({ config: file }, env).http).toEqual({
      maxSessions: 8,
      sessionIdleMs: 5000,
      stateless: false,
      allowedOrigins: ['http://localhost:6274', 'https://app.example:8443'],
      allowedHosts: [],
    });
    expect(loadConfig({ config: file, 'allowed-hosts': 'Trading-Box, 192.168.1.20' }, { TRADING_MCP_HTTP_ALLOWED_HOSTS: 'other' }).http.allowedHosts).toEqual([
      'trading-box',
      '192.168.1.20',
    ]);
    for (const bad of ['box:3333', 'bad:3333', 'http://box', 'box/mcp'])
      expect(() => loadConfig({ 'allowed-hosts': bad }, {}), bad).toThrow(/http\.allowedHosts/);
    expect(loadConfig({ 'allowed-hosts': '[fe80::1],fe80::2' }, {}).http.allowedHosts).toEqual(['[fe80::1]', 'fe80::2']);
    expect(loadConfig({ config: file, 'http-max-sessions': '2', 'http-session-idle-ms': '1000' }, env).http).toMatchObject({
      maxSessions: 2,
      sessionIdleMs: 1000,
    });
  });
  it('stateless: off by default, on from TRADING_MCP_HTTP_STATELESS or --stateless', () => {
    expect(loadConfig({}, { TRADING_MCP_HTTP_STATELESS: 'true' }).http.stateless).toBe(true);
    expect(loadConfig({ stateless: true }, {}).http.stateless).toBe(true);
    expect(loadConfig({}, { TRADING_MCP_HTTP_STATELESS: 'false' }).http.stateless).toBe(false);
  });
  it('refuses a cap below 1, an idle limit under a second and an origin that is more than scheme://host:port', () => {
    expect(() => loadConfig({ 'http-max-sessions': '0' }, {})).toThrow(/http\.maxSessions/);
    expect(() => loadConfig({ 'http-max-sessions': 'many' }, {})).toThrow(/--http-max-sessions must be a number/);
    expect(() => loadConfig({}, { TRADING_MCP_HTTP_SESSION_IDLE_MS: '10' })).toThrow(/http\.sessionIdleMs/);
    for (const bad of ['http://localhost:6274/app', 'localhost:6274', 'ftp://x.example', 'null']) {
      expect(() => loadConfig({}, { TRADING_MCP_HTTP_ORIGINS: bad }), bad).toThrow(/scheme:\/\/host\[:port\]/);
    }
  });
});

describe('selectTools', () => {
  const catalogue = [
    { name: 'a', annotations: { readOnlyHint: true } },
    { name: 'b', annotations: { readOnlyHint: false } },
    { name: 'c', annotations: { readOnlyHint: true } },
  ];
  it('applies the read-only filter before the includes', () => {
    expect(selectTools(catalogue, { readOnly: true, tools: ['a', 'b'] }).map((t) => t.name)).toEqual(['a']);
    expect(selectTools(catalogue, { readOnly: false, tools: ['b', 'c'] }).map((t) => t.name)).toEqual(['b', 'c']);
  });
});
