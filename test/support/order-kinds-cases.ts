/**
 * One end-to-end pass over every order kind (SPEC §12) on a running executor server: for each kind,
 * check_risk passes (new orders), a doubtful Opus reply is CONFIRMATION_INVALID, an Opus REJECT of
 * a variant is CONFIRMATION_REJECTED, and an approval submits it; after each call the broker is
 * asked which of the attempt's client_order_ids it holds (only the approved one, once).
 */
import { expect } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { callOk, callTool, errorCode } from './client.js';
import { messageText, type FakeGateway } from './fake-gateway.js';
import { cents, heldAtBroker, lastPrice, nearCall, type OpusMode } from './order-kinds.js';

export interface KindCase {
  name: string;
  tool: 'place_order' | 'replace_order' | 'close_position';
  /** The call's arguments under this client_order_id (variant: a slightly different order, for the REJECT). */
  args(id: string, variant: boolean): Record<string, unknown>;
  /** What the Opus prompt of this kind must carry. */
  prompt: RegExp;
}

/** The kinds, priced from the broker now. The replace targets an open limit order placed first. */
export async function kindCases(client: Client, prefix: string, openLimitId: string): Promise<KindCase[]> {
  const aapl = await lastPrice(client, 'AAPL');
  const msft = await lastPrice(client, 'MSFT');
  const call = await nearCall(client, 'SPY');
  const shares = Math.max(1, Math.floor(1500 / msft));
  const replaceTarget = (variant: boolean) => (variant ? `${prefix}-replace-ok` : openLimitId);
  return [
    {
      name: 'simple',
      tool: 'place_order',
      args: (id, v) => ({ symbol: 'AAPL', side: 'buy', qty: v ? 11 : 10, type: 'market', client_order_id: id }),
      prompt: /"order_class":"simple"/,
    },
    {
      name: 'bracket',
      tool: 'place_order',
      args: (id, v) => ({
        symbol: 'MSFT',
        side: 'buy',
        qty: shares,
        type: 'market',
        time_in_force: 'gtc',
        order_class: 'bracket',
        take_profit: { limit_price: cents(msft * (v ? 1.06 : 1.05)) },
        stop_loss: { stop_price: cents(msft * 0.95), limit_price: cents(msft * 0.94) },
        client_order_id: id,
      }),
      prompt: /"order_class":"bracket".*"stop_loss":\{"limit_price":[\d.]+,"stop_price":[\d.]+\}.*"take_profit":\{"limit_price":[\d.]+\}/,
    },
    {
      name: 'oto',
      tool: 'place_order',
      args: (id, v) => ({
        symbol: 'MSFT',
        side: 'buy',
        qty: v ? 2 : 1,
        type: 'limit',
        limit_price: cents(msft * 0.98),
        order_class: 'oto',
        stop_loss: { stop_price: cents(msft * 0.93) },
        client_order_id: id,
      }),
      prompt: /"order_class":"oto"/,
    },
    {
      name: 'trailing_stop',
      tool: 'place_order',
      args: (id, v) => ({ symbol: 'AAPL', side: 'sell', qty: 3, type: 'trailing_stop', trail_percent: v ? 3 : 2, time_in_force: 'gtc', client_order_id: id }),
      prompt: /"trail_percent":2,"trail_price":null,"type":"trailing_stop"/,
    },
    {
      name: 'oco',
      tool: 'place_order',
      args: (id, v) => ({
        symbol: 'AAPL',
        side: 'sell',
        qty: 3,
        type: 'limit',
        time_in_force: 'gtc',
        order_class: 'oco',
        take_profit: { limit_price: cents(aapl * (v ? 1.12 : 1.1)) },
        stop_loss: { stop_price: cents(aapl * 0.9) },
        client_order_id: id,
      }),
      prompt: /"order_class":"oco"/,
    },
    {
      name: 'single-leg option',
      tool: 'place_order',
      args: (id, v) => ({
        symbol: call.symbol,
        side: 'buy',
        qty: v ? 2 : 1,
        type: 'limit',
        limit_price: call.ask,
        position_intent: 'buy_to_open',
        client_order_id: id,
      }),
      prompt: new RegExp(`"position_intent":"buy_to_open".*"symbol":"${call.symbol}"`),
    },
    {
      name: 'replace',
      tool: 'replace_order',
      args: (id, v) => ({ client_order_id: replaceTarget(v), limit_price: cents(aapl * (v ? 0.985 : 0.98)), new_client_order_id: id }),
      prompt: /REPLACES open order .*: limit_price \$[\d.]+ → \$[\d.]+; everything else unchanged/,
    },
    {
      name: 'close',
      tool: 'close_position',
      args: (id, v) => ({ symbol: 'AAPL', ...(v ? { qty: 2 } : { percentage: 10 }), client_order_id: id }),
      prompt: /CLOSES 1 of the long position of 10 shares "AAPL"/,
    },
  ];
}

/** Run one kind: doubtful → refused, REJECT of a variant → refused, approve → submitted; the broker holds only the approved id. */
export async function runKind(client: Client, gw: FakeGateway, setMode: (m: OpusMode) => void, prefix: string, k: KindCase): Promise<void> {
  const [doubt, ok, rejected] = ['doubt', 'ok', 'rej'].map((s) => `${prefix}-${k.name.replace(/[^a-z]+/g, '-')}-${s}`) as [string, string, string];
  if (k.tool === 'place_order') {
    const verdict = await callOk<{ passed: boolean; checks: Array<{ passed: boolean; code: string; message: string }> }>(
      client,
      'check_risk',
      k.args(ok, false),
    );
    expect(
      verdict.checks.filter((c) => !c.passed),
      `${k.name}: check_risk`,
    ).toEqual([]);
  }
  setMode('doubtful');
  const doubted = await callTool(client, k.tool, k.args(doubt, false));
  expect(errorCode(doubted), `${k.name}: doubtful ${JSON.stringify(doubted.structuredContent).slice(0, 600)}`).toBe('CONFIRMATION_INVALID');
  setMode('approve');
  const r = await callTool(client, k.tool, k.args(ok, false));
  expect(r.isError, `${k.name}: approved ${JSON.stringify(r.structuredContent)}`).toBeFalsy();
  expect((r.structuredContent as { status: string }).status).toBe('submitted');
  const prompt = gw.requests.filter((q) => q.path.endsWith('/chat/completions')).at(-1)!;
  expect(messageText(prompt), `${k.name}: the Opus prompt`).toMatch(k.prompt);
  setMode('reject');
  const refused = await callTool(client, k.tool, k.args(rejected, true));
  expect(errorCode(refused), `${k.name}: rejected ${JSON.stringify(refused.structuredContent).slice(0, 600)}`).toBe('CONFIRMATION_REJECTED');
  expect(await heldAtBroker(client, [doubt, ok, rejected]), `${k.name}: what reached the broker`).toEqual([ok]);
}
