/**
 * CLI sub-commands for people: `halt`, `resume` (the only way to clear the kill switch) and
 * `status`. They read and write the risk state directly — under the data dir, or the shared database
 * of TRADING_MCP_DATABASE_URL (halting every replica on it) — with no broker, so they work while the broker is down. Each returns the text cli.ts prints.
 *
 * @example tars-trading-mcp halt --reason "news pending" --data-dir ~/.tars-trading-mcp
 */
import { join } from 'node:path';
import type { Deps } from '../deps.js';
import { notify } from '../telemetry/notify.js';
import { tradingDay } from './ny-time.js';
import { getRiskState, openRiskState, RISK_DB_FILE } from './state.js';

/**
 * `tars-trading-mcp halt` as the CLI runs it: the halt of the configured store, and on PostgreSQL, when
 * the shared halt cannot be written (the database down), this data dir's own risk.sqlite halt instead —
 * the servers on this data dir honour it (halted if the shared row or the local file says so) and carry
 * it into the shared halt when they start — with exit code 1 and a line saying the fleet is not halted.
 */
export async function haltFromCli(deps: Deps, reason: string): Promise<{ out: string; code: number }> {
  try {
    return { out: await haltCommand(deps, reason), code: 0 };
  } catch (err) {
    if (!deps.config.databaseUrl) throw err;
    const why = (err as Error).message ?? String(err);
    const path = join(deps.dataDir, RISK_DB_FILE);
    const local = await openRiskState(path);
    try {
      const r = await local.halt(reason.trim() || 'halted from the command line', 'cli');
      deps.log.error('the shared halt could not be written: halted this data dir only', { reason, err: why });
      if (!r.alreadyHalted) notify(deps, 'halt', `TRADING HALTED by cli on ${deps.dataDir} only (the shared halt could not be written): ${r.reason}`);
      return {
        out:
          `HALTED on this data dir only at ${r.at}: ${r.reason}\n(${path}: the servers on this data dir refuse every order, and carry the halt into the shared database when they start)\n` +
          `the shared halt could not be written (${why}): servers on other data dirs are NOT halted — run this again once the database answers`,
        code: 1,
      };
    } finally {
      local.close();
    }
  }
}

export async function haltCommand(deps: Deps, reason: string): Promise<string> {
  const state = await getRiskState(deps);
  const result = await state.halt(reason.trim() || 'halted from the command line', 'cli');
  deps.log.info('trading halted', { by: 'cli', reason, alreadyHalted: result.alreadyHalted });
  return result.alreadyHalted
    ? `already halted since ${result.at} by ${result.by}: ${result.reason}\n(resume with: tars-trading-mcp resume)`
    : `HALTED at ${result.at}: ${result.reason}\nEvery order is refused until: tars-trading-mcp resume\n${
        state.backend === 'postgres'
          ? `(${state.path}: every server on this database is halted)`
          : `(data dir ${deps.dataDir}: servers on another data dir are not halted)`
      }`;
}

export async function resumeCommand(deps: Deps): Promise<string> {
  const state = await getRiskState(deps);
  const { wasHalted, previous } = await state.resume('cli');
  deps.log.info('trading resumed', { by: 'cli', wasHalted });
  return wasHalted
    ? `resumed: trading is allowed again (it was halted since ${previous.at} by ${previous.by}: ${previous.reason})`
    : 'not halted: nothing to resume';
}

export async function statusCommand(deps: Deps): Promise<string> {
  const state = await getRiskState(deps);
  const halt = await state.isHalted();
  const days = await state.dayEquities(3);
  const orders = await state.lastOrders(10);
  const history = await state.haltHistory(5);
  const limits = deps.profile.risk;
  const today = tradingDay(new Date());
  const lines: string[] = [];
  lines.push(halt.halted ? `trading: HALTED since ${halt.at} by ${halt.by}: ${halt.reason}` : 'trading: allowed (not halted)');
  lines.push(`data: ${state.path} (mode ${deps.mode}, profile ${deps.profile.name})`);
  lines.push(
    days.length
      ? `start-of-day equity: ${days.map((d) => `${d.tradingDay}${d.tradingDay === today ? ' (today)' : ''}${d.account ? ` ${d.account}` : ''} $${d.equity.toFixed(2)}`).join('; ')}`
      : 'start-of-day equity: none recorded yet (recorded at the first risk check of each US trading day)',
  );
  lines.push(
    `limits: ${limits.allowSymbols ? `${limits.allowSymbols.length} allowed symbols` : 'any symbol'}, order ≤ $${limits.maxOrderNotionalUsd} / ${limits.maxOrderQty} sh, ` +
      `position ≤ ${limits.maxPositionPctEquity * 100}% equity, ≤ ${limits.maxOrdersPerMinute}/min ${limits.maxOrdersPerHour}/h, daily loss halt at ${limits.maxDailyLossPct * 100}%, ` +
      `options max loss $${limits.maxOptionsLossUsd}, ${limits.minDaysToExpiry}-${limits.maxDaysToExpiry} DTE`,
  );
  lines.push(orders.length ? `recent orders (${orders.length}, newest first):` : 'recent orders: none');
  for (const o of orders) lines.push(`  ${o.at}  ${(o.symbol ?? '?').padEnd(6)} ${o.hash.slice(0, 16)}…`);
  if (history.length) {
    lines.push('halt history (newest first):');
    for (const e of history) lines.push(`  ${e.at}  ${e.action.padEnd(6)} by ${e.by}${e.reason ? `: ${e.reason}` : ''}`);
  }
  return lines.join('\n');
}
