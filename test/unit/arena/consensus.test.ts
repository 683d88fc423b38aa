import { describe, expect, it } from 'vitest';
import { consensusOf } from '../../../src/arena/consensus.js';
import { parseDecision } from '../../../src/arena/decision.js';
import { leaderboard } from '../../../src/arena/leaderboard.js';
import { qualityFrom } from '../../../src/arena/quality.js';
import { type ArenaStore, openArenaStore } from '../../../src/arena/store.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const d = (model: string, action: 'BUY' | 'SELL' | 'HOLD', symbol = 'SPY', confidence = 0.5) => ({
  model,
  decision: { action, symbol, qty_fraction: 0.5, confidence, reasoning: 'r' },
});

describe('consensus and outliers', () => {
  it('the most frequent action, its most frequent symbol; the rest are outliers', () => {
    const c = consensusOf([d('a', 'BUY', 'SPY', 0.8), d('b', 'BUY', 'QQQ', 0.6), d('c', 'BUY', 'SPY', 0.4), d('e', 'SELL')]);
    expect(c).toMatchObject({ action: 'BUY', symbol: 'SPY', agreement: 0.75, average_confidence: 0.6, valid: 4 });
    expect(c.outliers.map((o) => o.model)).toEqual(['b', 'e']);
  });
  it('a tie with HOLD is HOLD; a BUY/SELL tie is no consensus; nothing valid is no consensus', () => {
    expect(consensusOf([d('a', 'BUY'), d('b', 'HOLD')]).action).toBe('HOLD');
    expect(consensusOf([d('a', 'BUY'), d('b', 'SELL')]).action).toBeNull();
    expect(consensusOf([])).toMatchObject({ action: null, agreement: 0, valid: 0 });
  });
});

describe('the decision parser', () => {
  it('accepts the schema exactly (a fence and a think block are presentation noise)', () => {
    const body = { action: 'BUY', symbol: 'SPY', qty_fraction: 0.3, confidence: 0.7, reasoning: 'trend' };
    expect(parseDecision(`<think>x</think>\n\`\`\`json\n${JSON.stringify(body)}\n\`\`\``, ['SPY'])).toEqual({ ok: true, decision: body });
  });
  it('refuses extra keys, out-of-range fractions, symbols outside the round, prose', () => {
    const base = { action: 'BUY', symbol: 'SPY', qty_fraction: 0.3, confidence: 0.7, reasoning: 'trend' };
    expect(parseDecision(JSON.stringify({ ...base, leverage: 3 }), ['SPY']).ok).toBe(false);
    expect(parseDecision(JSON.stringify({ ...base, qty_fraction: 1.5 }), ['SPY']).ok).toBe(false);
    expect(parseDecision(JSON.stringify({ ...base, symbol: 'TSLA' }), ['SPY']).ok).toBe(false);
    expect(parseDecision('buy it', ['SPY']).ok).toBe(false);
  });
});

const tmpStore = async () => openArenaStore(join(mkdtempSync(join(tmpdir(), 'tars-arena-unit-')), 'arena.sqlite'));
const at = '2026-11-17T15:00:00.000Z';
async function fillIn(store: ArenaStore, model: string, ref: string, side: 'buy' | 'sell', qty: number, price: number, symbol = 'X'): Promise<void> {
  await store.fill({ model, initialCash: 1000, at, source: 'round', ref, symbol, mid: price, size: () => ({ ok: true, side, qty, price }) });
}
async function chatIn(store: ArenaStore, model: string, cost: number): Promise<void> {
  await store.recordChat({
    at,
    kind: 'round',
    ref: 'r',
    model,
    model_requested: model,
    model_served: model,
    tier: 'analysis',
    symbols: ['X'],
    prompt_digest: 'd',
    reply: null,
    action: 'HOLD',
    symbol: 'X',
    qty_fraction: 0,
    confidence: 0.5,
    reasoning: 'r',
    status: 'valid',
    error_code: null,
    error_message: null,
    cost_usd: cost,
    latency_ms: 1,
    call_id: null,
    fill_id: null,
    fill_note: null,
  });
}

describe('the leaderboard', () => {
  it('ranks by P&L net of LLM cost; ties by lower cost; a model with only decisions starts at the default cash', async () => {
    const store = await tmpStore();
    await fillIn(store, 'a', 'r1', 'buy', 10, 10);
    await fillIn(store, 'b', 'r1', 'buy', 10, 10);
    await fillIn(store, 'b', 'r2', 'sell', 10, 12);
    await store.mark('a', at, 1050);
    await chatIn(store, 'a', 1);
    await chatIn(store, 'b', 25);
    await chatIn(store, 'c', 0.5);
    const rows = leaderboard({ models: (await store.models()).values(), prices: new Map([['X', 14]]), defaultCash: 500 });
    expect(rows.map((r) => [r.model, r.rank, r.pnl_usd, r.net_usd])).toEqual([
      ['a', 1, 40, 39],
      ['c', 2, 0, -0.5],
      ['b', 3, 20, -5],
    ]);
    const a = rows[0]!;
    expect(a).toMatchObject({ equity: 1040, return_pct: 4, return_per_llm_dollar: 40, win_rate: null, decisions: 1 });
    expect(a.max_drawdown).toBeCloseTo((1050 - 1040) / 1050, 6);
    expect(rows[2]).toMatchObject({ win_rate: 1, closed_trades: 1, realized_pnl_usd: 20, return_per_llm_dollar: 0.8 });
    expect(rows[1]).toMatchObject({ initial_cash: 500, trades: 0 });
  });

  it('the warm state equals a replay from the file, with another process writing between reads', async () => {
    const store = await tmpStore();
    const other = await openArenaStore(store.where);
    await fillIn(store, 'a', 'r1', 'buy', 3, 10);
    expect((await store.models()).get('a')!.book.holdings.get('X')).toEqual({ qty: 3, cost: 30 });
    await fillIn(other, 'a', 'r2', 'sell', 2, 11);
    await fillIn(other, 'a', 'r3', 'buy', 1, 9, 'Y');
    const warm = (await store.models()).get('a')!.book;
    const cold = (await (await openArenaStore(store.where)).models()).get('a')!.book;
    expect(warm).toEqual(cold);
    expect(warm).toMatchObject({ cash: 1000 - 30 + 22 - 9, closed: 1, wins: 1, fills: 3 });
    // the same round never fills twice for a model
    await fillIn(other, 'a', 'r3', 'buy', 1, 9, 'Y');
    expect((await store.models()).get('a')!.book.fills).toBe(3);
  });
});

describe('the signal exported to routing', () => {
  it('winning sells / sells per model, null before the first sell, re-read in the background at most every 5 s', async () => {
    const store = await tmpStore();
    await fillIn(store, 'm', 'r1', 'buy', 2, 10);
    await fillIn(store, 'm', 'r2', 'sell', 1, 12);
    await fillIn(store, 'm', 'r3', 'sell', 1, 8);
    await fillIn(store, 'n', 'r1', 'buy', 1, 10);
    let now = 0;
    const q = await qualityFrom(store, () => now);
    expect(q('m')).toEqual({ score: 0.5, n: 2 });
    expect(q('n')).toBeNull();
    await fillIn(store, 'n', 'r2', 'sell', 1, 11);
    now = 4999;
    expect(q('n')).toBeNull();
    await q.refreshed(); // nothing was started: still the first read
    expect(q('n')).toBeNull();
    now = 5000;
    expect(q('n')).toBeNull(); // answered from memory at once; this call started the refresh
    await q.refreshed();
    expect(q('n')).toEqual({ score: 1, n: 1 });
  });

  it('a refresh that fails keeps the last figures and says why; the next refresh reads again', async () => {
    const store = await tmpStore();
    await fillIn(store, 'm', 'r1', 'buy', 2, 10);
    await fillIn(store, 'm', 'r2', 'sell', 1, 12);
    let now = 0;
    const errors: string[] = [];
    const q = await qualityFrom(
      store,
      () => now,
      (e) => errors.push(e.message),
    );
    await store.close();
    now = 5000;
    expect(q('m')).toEqual({ score: 1, n: 1 });
    await q.refreshed();
    expect(errors).toHaveLength(1);
    expect(q('m')).toEqual({ score: 1, n: 1 });
  });
});
