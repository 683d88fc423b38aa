import { describe, expect, it } from 'vitest';
import { consensusOf } from '../../../src/arena/consensus.js';
import { parseDecision } from '../../../src/arena/decision.js';
import { leaderboard } from '../../../src/arena/leaderboard.js';
import { qualityFrom } from '../../../src/arena/quality.js';
import type { ArenaStore } from '../../../src/arena/store.js';

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

describe('the leaderboard', () => {
  it('ranks by P&L net of LLM cost; ties by lower cost; a model with only decisions starts at the default cash', () => {
    const rows = leaderboard({
      accounts: [
        { model: 'a', initial_cash: 1000 },
        { model: 'b', initial_cash: 1000 },
      ],
      fills: [
        { model: 'a', symbol: 'X', side: 'buy', qty: 10, price: 10 },
        { model: 'b', symbol: 'X', side: 'buy', qty: 10, price: 10 },
        { model: 'b', symbol: 'X', side: 'sell', qty: 10, price: 12 },
      ],
      marks: [{ model: 'a', at: 't', equity: 1050 }],
      costs: new Map([
        ['a', { cost: 1, decisions: 2 }],
        ['b', { cost: 25, decisions: 2 }],
        ['c', { cost: 0.5, decisions: 1 }],
      ]),
      prices: new Map([['X', 14]]),
      defaultCash: 500,
    });
    expect(rows.map((r) => [r.model, r.rank, r.pnl_usd, r.net_usd])).toEqual([
      ['a', 1, 40, 39],
      ['c', 2, 0, -0.5],
      ['b', 3, 20, -5],
    ]);
    const a = rows[0]!;
    expect(a).toMatchObject({ equity: 1040, return_pct: 4, return_per_llm_dollar: 40, win_rate: null });
    expect(a.max_drawdown).toBeCloseTo((1050 - 1040) / 1050, 6);
    expect(rows[2]).toMatchObject({ win_rate: 1, closed_trades: 1, realized_pnl_usd: 20, return_per_llm_dollar: 0.8 });
    expect(rows[1]).toMatchObject({ initial_cash: 500, trades: 0 });
  });
});

describe('the signal exported to routing', () => {
  it('winning sells / sells per model, null before the first sell, re-read at most every 5 s', () => {
    let fills = [
      { model: 'm', symbol: 'X', side: 'buy', qty: 2, price: 10 },
      { model: 'm', symbol: 'X', side: 'sell', qty: 1, price: 12 },
      { model: 'm', symbol: 'X', side: 'sell', qty: 1, price: 8 },
      { model: 'n', symbol: 'X', side: 'buy', qty: 1, price: 10 },
    ];
    const store = { fills: () => fills } as unknown as ArenaStore;
    let now = 0;
    const q = qualityFrom(store, () => now);
    expect(q('m')).toEqual({ score: 0.5, n: 2 });
    expect(q('n')).toBeNull();
    fills = [...fills, { model: 'n', symbol: 'X', side: 'sell', qty: 1, price: 11 }];
    expect(q('n')).toBeNull();
    now = 5000;
    expect(q('n')).toEqual({ score: 1, n: 1 });
  });
});
