/**
 * In-process harness for the execution gate: real deps (config, profile, sim broker or Alpaca
 * against the loopback fake, the real LLM router against the loopback gateway, the real risk
 * service and council tickets), a fresh data dir, and helpers to script the Opus reply.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigSchema } from '../../src/config.js';
import { createDeps, type Deps } from '../../src/deps.js';
import { createLogger } from '../../src/log.js';
import { ProfileSchema } from '../../src/profiles.js';
import type { TradingMode } from '../../src/orders/order.js';
import { ExecutionGate, defaultServices, type GateOptions, type GateServices } from '../../src/execution/gate.js';
import { getGateStore } from '../../src/execution/gate-store.js';
import type { RouterOptions } from '../../src/llm/router.js';
import { orderHashIn, type FakeGateway, type GatewayRequest } from './fake-gateway.js';

/** A weekday instant inside regular US market hours (15:00 UTC = 10:00/11:00 New York). */
export const MARKET_OPEN_INSTANT = '2026-03-10T15:30:00Z';

/** Risk limits loose enough that many orders in a row pass (rate and duplicate windows off). */
export const LOOSE_RISK = {
  maxOrdersPerMinute: 100_000,
  maxOrdersPerHour: 100_000,
  maxOpenOrders: 100_000,
  duplicateWindowSec: 0,
  maxPositionPctEquity: 1,
  maxOrderNotionalUsd: 1_000_000,
  maxDailyLossPct: 1,
  priceCollarPct: 1,
  maxQuoteAgeSec: 1e9,
};

/** The schema's largest confirmations-per-hour limit: many confirmations in a row pass unless a test sets its own. */
export const LOOSE_CONFIRMATIONS_PER_HOUR = 3600;
/** A critical daily cap no bench or matrix reaches (the shipped $5 would stop a 1,000-trial bench part way). */
export const LOOSE_CRITICAL_DAILY_USD = 10_000;

export interface HarnessOptions {
  /** TRADING_MCP_DATABASE_URL: the gate's records on this PostgreSQL database. */
  databaseUrl?: string;
  dataDir?: string;
  gatewayUrl?: string | null;
  /**
   * Loopback Alpaca. `rateLimitPerMin` replaces the adapter's client-side 190/min token bucket (benches and
   * matrices send thousands of requests a minute to the loopback fake; the real limit would just pace them).
   */
  alpaca?: { baseUrl: string; dataUrl: string; keyId?: string; secret?: string; timeoutMs?: number; rateLimitPerMin?: number } | null;
  mode?: TradingMode;
  requireCouncilTicket?: boolean;
  rejectCooldownSec?: number;
  /** The profile's confirmation.maxConfirmationsPerHour (default LOOSE_CONFIRMATIONS_PER_HOUR: matrices confirm hundreds of orders). */
  maxConfirmationsPerHour?: number;
  /** Config budgets in USD (dailyUsd, monthlyUsd, criticalDailyUsd); default: the schema's, criticalDailyUsd LOOSE_CRITICAL_DAILY_USD. */
  budget?: { dailyUsd?: number; monthlyUsd?: number; criticalDailyUsd?: number };
  risk?: Record<string, unknown>;
  services?: (deps: Deps, real: GateServices) => GateServices;
  /** Router options (e.g. a shorter circuit-breaker pause for benches that inject thousands of faults). */
  llm?: RouterOptions;
  gate?: GateOptions;
  /** More profile fields (e.g. humanApproval "dashboard" and its approvalTimeoutSec). */
  profile?: Record<string, unknown>;
  /** A tier table file instead of the shipped one (e.g. the critical tier with its own provider). */
  tiersPath?: string;
}

export interface Harness {
  deps: Deps;
  gate: ExecutionGate;
  dataDir: string;
  close(): Promise<void>;
}

export function tempDir(prefix = 'tars-exec-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function startHarness(o: HarnessOptions = {}): Promise<Harness> {
  const dataDir = o.dataDir ?? tempDir();
  const config = ConfigSchema.parse({
    dataDir,
    logLevel: 'error',
    broker: o.alpaca ? 'alpaca' : 'sim',
    gateway: o.gatewayUrl ? { baseUrl: o.gatewayUrl, apiKey: 'test-key' } : {},
    budget: { criticalDailyUsd: LOOSE_CRITICAL_DAILY_USD, ...o.budget },
    alpaca: o.alpaca
      ? {
          keyId: o.alpaca.keyId ?? 'fake-key-id',
          secretKey: o.alpaca.secret ?? 'fake-secret-key',
          baseUrl: o.alpaca.baseUrl,
          dataUrl: o.alpaca.dataUrl,
          timeoutMs: o.alpaca.timeoutMs ?? 1_000,
        }
      : {},
    sim: { clock: MARKET_OPEN_INSTANT },
    ...(o.databaseUrl ? { databaseUrl: o.databaseUrl } : {}),
    ...(o.tiersPath ? { tiersPath: o.tiersPath } : {}),
  });
  const profile = ProfileSchema.parse({
    name: 'executor-test',
    description: 'execution gate tests',
    tools: ['place_order', 'check_risk'],
    requireCouncilTicket: o.requireCouncilTicket ?? false,
    confirmation: { rejectCooldownSec: o.rejectCooldownSec ?? 900, maxConfirmationsPerHour: o.maxConfirmationsPerHour ?? LOOSE_CONFIRMATIONS_PER_HOUR },
    risk: { ...LOOSE_RISK, ...(o.risk ?? {}) },
    ...o.profile,
  });
  const mode: TradingMode = o.mode ?? (o.alpaca ? 'paper' : 'sim');
  const deps = createDeps({ config, profile, mode, brokerName: o.alpaca ? 'alpaca' : 'sim', log: createLogger('error', {}, () => undefined) });
  const rateLimitPerMin = o.alpaca?.rateLimitPerMin;
  if (rateLimitPerMin !== undefined) {
    // pre-seed the process's broker service (the key getBroker memoises under) with the adjusted adapter
    await deps.service('broker', async (d) => (await import('../../src/broker/alpaca.js')).createAlpacaBroker(d, { rateLimitPerMin }));
  }
  if (o.llm && o.gatewayUrl) {
    const llmOptions = o.llm;
    await deps.service('llm', async (d) => (await import('../../src/llm/index.js')).createLlm(d, llmOptions));
  }
  const real = defaultServices(deps);
  const services = o.services ? o.services(deps, real) : real;
  const gate = new ExecutionGate(deps, await getGateStore(deps), services, { confirmationTimeoutMs: 3_000, brokerTimeoutMs: 3_000, ...o.gate });
  return { deps, gate, dataDir, close: () => deps.close() };
}

/** The Opus reply that approves whatever order hash the request carries. */
export const approve = (req: GatewayRequest) => JSON.stringify({ decision: 'APPROVE', order_hash: orderHashIn(req), reasons: ['sized sensibly'] });
export const reject = (req: GatewayRequest) => JSON.stringify({ decision: 'REJECT', order_hash: orderHashIn(req), reasons: ['too risky'] });

/** Opus approves every confirmation from now on. */
export function alwaysApprove(gw: FakeGateway): void {
  gw.script((req) => (req.path.endsWith('/chat/completions') ? { content: approve(req) } : undefined));
}

export const CONFIRMATION_REQUESTS = (gw: FakeGateway) => gw.requests.filter((r) => r.path.endsWith('/chat/completions'));

export const BUY_AAPL = { symbol: 'AAPL', side: 'buy', qty: 1, type: 'market', time_in_force: 'day' } as const;
