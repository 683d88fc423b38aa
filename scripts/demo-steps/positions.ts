/**
 * Demo: orders that manage a position (SPEC §12). On a private sim server: an iron condor built from
 * the sim's option chain and a bracket order (entry with its take-profit and stop-loss), each passed
 * unchanged to check_risk and then to place_order. Without a gateway key the gate stops them at the
 * Opus confirmation; with LLM_GATEWAY_API_KEY set in the demo's environment Opus decides, and an
 * approved order reaches the sim broker (the bracket's exits shown).
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { DemoStep } from '../demo.js';
import { gatewayEnv, OPEN_AT, startPrivateExecutor, type PrivateServer } from './private-server.js';

type Structured = Record<string, unknown>;
const sc = (r: CallToolResult) => (r.structuredContent ?? {}) as Structured;

/** check_risk, then place_order, of one order; one line each. */
async function checkAndPlace(server: PrivateServer, print: (t: string) => void, label: string, order: Structured): Promise<void> {
  const risk = sc(await server.call('check_risk', order)) as { passed?: boolean; checks?: Array<{ passed: boolean; code: string; message: string }> };
  const failed = (risk.checks ?? []).filter((c) => !c.passed);
  print(
    `check_risk ${label} → ${risk.passed ? `passed (${risk.checks?.length} checks)` : `refused: ${failed.map((c) => `${c.code} ${c.message}`).join('; ')}`}`,
  );
  if (!risk.passed) return;
  const placed = await server.call('place_order', order);
  const r = placed.isError ? ((sc(placed).details ?? {}) as Structured) : sc(placed);
  if (!placed.isError) {
    const bo = r.broker_order as { id: string; status: string } | null;
    print(`place_order ${label} → SUBMITTED, sim order ${bo?.id} (${bo?.status})`);
    return;
  }
  print(`place_order ${label} → ${String(sc(placed).code)} at stage "${String(r.stopped_at)}": ${String(sc(placed).message).split(';')[0]}`);
}

export const positionsStep: DemoStep = {
  title: 'Orders that manage a position: an iron condor built from the chain and a bracket order, checked and placed',
  profile: 'executor',
  async run(ctx) {
    const gateway = gatewayEnv();
    const server = await startPrivateExecutor('positions', gateway);
    try {
      ctx.print(
        `(a private sim server, clock pinned to ${OPEN_AT}; ${gateway.LLM_GATEWAY_API_KEY ? 'Opus confirms through your gateway' : 'no gateway key: the gate stops at the Opus confirmation'})`,
      );
      const built = await server.call('build_iron_condor', { underlying: 'SPY', qty: 1 });
      if (built.isError) {
        ctx.print(`build_iron_condor → ${String(sc(built).code)}: ${String(sc(built).message)}`);
        return;
      }
      const c = sc(built) as {
        expiry: string;
        strikes: Record<string, number>;
        credit: { mid: number; natural: number };
        max_loss_usd: number;
        breakevens: { lower: number; upper: number };
        probability_of_profit: { value: number | null; method: string };
        order: Structured;
      };
      const s = c.strikes;
      ctx.print(`build_iron_condor SPY → ${c.expiry}: ${s.long_put}/${s.short_put}P – ${s.short_call}/${s.long_call}C`);
      ctx.print(
        `   credit $${c.credit.mid} mid ($${c.credit.natural} natural), max loss $${c.max_loss_usd}, breakevens ${c.breakevens.lower}–${c.breakevens.upper}, PoP ${c.probability_of_profit.value?.toFixed(2)} (${c.probability_of_profit.method})`,
      );
      await checkAndPlace(server, ctx.print, 'the condor', { ...c.order, client_order_id: 'demo-condor-1', rationale: 'demo: a 16-delta SPY condor' });
      const quote = sc(await server.call('get_market_data', { kind: 'quote', symbol: 'AAPL' })) as { quote: { askPrice: number; bidPrice: number } };
      const mid = Math.round(((quote.quote.askPrice + quote.quote.bidPrice) / 2) * 100) / 100;
      const tp = Math.round(mid * 104) / 100;
      const sl = Math.round(mid * 97) / 100;
      ctx.print(`bracket: buy 5 AAPL at market (mid $${mid}) with a take-profit at $${tp} and a stop-loss at $${sl}, gtc`);
      const bracket = {
        symbol: 'AAPL',
        side: 'buy',
        qty: 5,
        type: 'market',
        time_in_force: 'gtc',
        order_class: 'bracket',
        take_profit: { limit_price: tp },
        stop_loss: { stop_price: sl },
        client_order_id: 'demo-bracket-1',
        rationale: 'demo: a protected starter position',
      };
      await checkAndPlace(server, ctx.print, 'the bracket', bracket);
      const held = await server.call('get_orders', { client_order_id: 'demo-bracket-1' });
      if (!held.isError) {
        const o = (
          sc(held).orders as Array<{
            status: string;
            exits: Array<{ type: string; status: string; limitPrice: number | null; stopPrice: number | null }> | null;
          }>
        )[0];
        ctx.print(
          `sim broker: bracket ${o?.status}; exits ${(o?.exits ?? []).map((e) => `${e.type} ${e.limitPrice ?? e.stopPrice} (${e.status})`).join(', ') || 'none yet'}`,
        );
      }
    } finally {
      await server.close();
    }
  },
};
