/**
 * What a fleet test sets up around its replicas: the loopback gateway and Alpaca, the environment
 * that points a server at them, a profile with loose risk limits (so only the invariant under test
 * refuses), the `halt`/`resume` CLI on the same database, and a poll for conditions no event announces.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { baseEnv, CLI_PATH, tempDataDir } from './client.js';
import { LOOSE_RISK } from './execution-harness.js';
import type { FakeAlpaca } from './fake-alpaca.js';
import type { FakeGateway } from './fake-gateway.js';

/** An executor profile file: place_order and a priced tool, loose risk limits, many confirmations an hour. */
export function fleetProfile(): string {
  const path = join(tempDataDir('tars-fleet-profile-'), 'executor-fleet.json');
  writeFileSync(
    path,
    JSON.stringify({
      name: 'executor-fleet',
      description: 'executor for the fleet tests',
      readOnly: false,
      tools: ['place_order', 'draft_order', 'get_orders', 'halt_trading'],
      confirmation: { rejectCooldownSec: 900, maxConfirmationsPerHour: 3600 },
      risk: LOOSE_RISK,
    }),
  );
  return path;
}

export function deskEnv(alpaca: FakeAlpaca, gw: FakeGateway, extra: Record<string, string> = {}): Record<string, string> {
  return {
    APCA_API_BASE_URL: alpaca.tradingUrl,
    APCA_API_DATA_URL: alpaca.dataUrl,
    APCA_API_KEY_ID: alpaca.keyId,
    APCA_API_SECRET_KEY: alpaca.secret,
    LLM_GATEWAY_BASE_URL: gw.url,
    LLM_GATEWAY_API_KEY: 'test-key',
    TRADING_MCP_LOG_LEVEL: 'warn',
    // budgets no order test reaches (the budget test sets its own daily one)
    TRADING_MCP_DAILY_BUDGET_USD: '100',
    TRADING_MCP_CRITICAL_DAILY_BUDGET_USD: '100',
    ...extra,
  };
}

export const marketOrder = (cid: string, qty = 1, symbol = 'AAPL') => ({
  symbol,
  side: 'buy',
  qty,
  type: 'market',
  time_in_force: 'day',
  client_order_id: cid,
});

/** `tars-trading-mcp <args>` (built) with TRADING_MCP_DATABASE_URL and a data dir of its own: exit code and output. */
export function runCli(databaseUrl: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = baseEnv({ TRADING_MCP_DATABASE_URL: databaseUrl, TRADING_MCP_LOG_LEVEL: 'warn' });
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI_PATH, ...args, '--data-dir', tempDataDir('tars-cli-')], { env, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Resolves once `cond()` holds (checked every 25 ms), else throws `what` after `ms`. */
export async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
