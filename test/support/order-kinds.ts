/**
 * The order kinds of SPEC §12 as an agent sends them, built from the broker's own prices, and an
 * Opus whose verdict a test switches (approve, reject, or a doubtful reply bound to another hash).
 * Shared by the sim and the loopback-Alpaca end-to-end tests of the kinds.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { callOk, callTool, tempDataDir } from './client.js';
import { approve, reject } from './execution-harness.js';
import { orderHashIn, type FakeGateway } from './fake-gateway.js';
import { PACKAGE_ROOT } from '../../src/paths.js';

export type OpusMode = 'approve' | 'reject' | 'doubtful';

/** Opus answers by `mode()`: approve, reject, or approve a different hash (the gate must refuse it). */
export function switchableOpus(gw: FakeGateway, mode: () => OpusMode): void {
  gw.script((req) => {
    if (!req.path.endsWith('/chat/completions') || orderHashIn(req) === null) return undefined;
    const m = mode();
    if (m === 'approve') return { content: approve(req) };
    if (m === 'reject') return { content: reject(req) };
    return { content: JSON.stringify({ decision: 'APPROVE', order_hash: 'f'.repeat(64), reasons: ['looks fine'] }) };
  });
}

/**
 * The shipped executor profile with room for a test's pace: many confirmations and orders an hour
 * (the shipped 12 confirmations and 2 orders a minute are for an agent, not a test of every kind in
 * one pinned sim minute). Every other limit is the shipped one.
 */
export function roomyExecutorProfile(): string {
  const path = join(tempDataDir('tars-profile-'), 'executor-kinds.json');
  const shipped = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'profiles', 'executor.json'), 'utf8')) as Record<string, unknown>;
  const risk = { ...((shipped.risk as object | undefined) ?? {}), maxOrdersPerMinute: 1000, maxOrdersPerHour: 1000 };
  writeFileSync(path, JSON.stringify({ ...shipped, name: 'executor-kinds', risk, confirmation: { rejectCooldownSec: 900, maxConfirmationsPerHour: 3600 } }));
  return path;
}

export const cents = (n: number) => Math.round(n * 100) / 100;

/** The ask (else last trade) of a stock, from get_market_data. */
export async function lastPrice(client: Client, symbol: string): Promise<number> {
  const q = await callOk<{ quote: { askPrice: number; bidPrice: number } }>(client, 'get_market_data', { kind: 'quote', symbol });
  return cents((q.quote.askPrice + q.quote.bidPrice) / 2);
}

const addDays = (iso: string, days: number) => new Date(Date.parse(`${iso}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/**
 * A quoted out-of-the-money call of the underlying 31–44 days out (inside the shipped 30–45 DTE
 * window) whose premium, two of them, is within the shipped $1,000 options max loss, with its ask.
 */
export async function nearCall(client: Client, underlying: string): Promise<{ symbol: string; ask: number }> {
  type Row = { symbol: string; quoted: boolean; ask: number | null; delta: number | null };
  // the chain's default window starts today on the broker's clock
  const today = (await callOk<{ chain: { expirationGte: string } }>(client, 'get_market_data', { kind: 'options_chain', symbol: underlying, limit: 1 })).chain
    .expirationGte;
  const chain = await callOk<{ options: Row[] }>(client, 'get_market_data', {
    kind: 'options_chain',
    symbol: underlying,
    option_type: 'call',
    expiration_gte: addDays(today, 31),
    expiration_lte: addDays(today, 44),
    limit: 500,
  });
  const rows = chain.options.filter((r) => r.quoted && r.ask !== null && r.ask * 200 <= 900 && r.delta !== null && r.delta > 0.15 && r.delta < 0.5);
  const row = rows[0];
  if (!row) throw new Error(`no quoted call of ${underlying} 31–44 days out under $4.50 (two fit the shipped max loss)`);
  return { symbol: row.symbol, ask: row.ask as number };
}

/** Orders the broker holds under these client_order_ids (get_orders, one lookup each). */
export async function heldAtBroker(client: Client, ids: readonly string[]): Promise<string[]> {
  const held: string[] = [];
  for (const id of ids) {
    const r = await callTool(client, 'get_orders', { client_order_id: id });
    if (!r.isError) held.push(id);
  }
  return held;
}
