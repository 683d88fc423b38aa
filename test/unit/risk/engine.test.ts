/**
 * Every check of SPEC §7 at its boundary: just inside passes, just outside fails with exactly
 * that check's code (every other check still passes, so the case isolates the one limit).
 */
import { describe, expect, it } from 'vitest';
import { evaluateRisk, normalizeSymbol, optionsMaxLoss, orderFingerprint, type RiskInput } from '../../../src/risk/engine.js';
import { RISK_CHECKS, RiskVerdictSchema } from '../../../src/risk/verdict.js';
import { account, baseInput, clock, creditSpreadInput, isoBefore, limits, occ, OPEN_AT, openOrder, order, position, quote } from './fixtures.js';

interface Case {
  name: string;
  input: () => RiskInput;
  /** Exactly the codes that must fail ([] = the order passes). */
  fails: string[];
}

const withOrder = (o: Parameters<typeof order>[0], over: Partial<RiskInput> = {}) => baseInput({ order: order(o), ...over });
const withLimits = (l: Parameters<typeof limits>[0], over: Partial<RiskInput> = {}) => baseInput({ limits: limits(l), ...over });
const recent = (secondsAgo: number, fingerprint = 'other-order') => ({ at: isoBefore(OPEN_AT, secondsAgo), hash: null, fingerprint });
const state = (over: Partial<RiskInput['state']>): RiskInput['state'] => ({
  halted: false,
  haltReason: null,
  startOfDayEquity: 100_000,
  recentOrders: [],
  ...over,
});
const wide = { maxOrderNotionalUsd: 1_000_000, maxPositionPctEquity: 1 };

const CASES: Case[] = [
  { name: 'baseline passes every check', input: () => baseInput(), fails: [] },

  // kill switch and account
  { name: 'halted: not halted', input: () => baseInput({ state: state({ halted: false }) }), fails: [] },
  { name: 'halted: halted refuses', input: () => baseInput({ state: state({ halted: true, haltReason: 'manual' }) }), fails: ['RISK_HALTED'] },
  { name: 'account: trading blocked', input: () => baseInput({ account: account({ tradingBlocked: true }) }), fails: ['RISK_ACCOUNT_BLOCKED'] },

  // allow / deny lists, with normalisation of case, width, invisible and look-alike characters
  { name: 'allow: listed symbol', input: () => withLimits({ allowSymbols: ['AAPL'] }), fails: [] },
  { name: 'allow: listed in lower case / full width', input: () => withLimits({ allowSymbols: ['ａａｐｌ'] }), fails: [] },
  { name: 'allow: listed with Cyrillic А look-alikes', input: () => withLimits({ allowSymbols: ['\u0410\u0410PL'] }), fails: [] },
  {
    name: 'allow: symbol not on the list',
    input: () => withLimits({ allowSymbols: ['MSFT'] }),
    fails: ['RISK_SYMBOL_NOT_ALLOWED'],
  },
  { name: 'allow: null list allows any', input: () => withLimits({ allowSymbols: null }), fails: [] },
  { name: 'deny: other symbol denied', input: () => withLimits({ denySymbols: ['TSLA'] }), fails: [] },
  { name: 'deny: exact', input: () => withLimits({ denySymbols: ['AAPL'] }), fails: ['RISK_SYMBOL_DENIED'] },
  { name: 'deny: Cyrillic А + zero-width space', input: () => withLimits({ denySymbols: ['\u0410\u200BAPL'] }), fails: ['RISK_SYMBOL_DENIED'] },
  { name: 'deny: full-width lower case', input: () => withLimits({ denySymbols: ['ａａｐｌ'] }), fails: ['RISK_SYMBOL_DENIED'] },
  { name: 'deny: Greek Α', input: () => withLimits({ denySymbols: ['\u0391APL'] }), fails: ['RISK_SYMBOL_DENIED'] },

  // max order notional (limit $5,000)
  {
    name: 'notional: 50 × 100.00 = 5,000',
    input: () => withOrder({ symbol: 'AAPL', side: 'buy', qty: 50, type: 'limit', limit_price: 100 }, { limits: limits({ maxPositionPctEquity: 1 }) }),
    fails: [],
  },
  {
    name: 'notional: 50 × 100.01 = 5,000.50',
    input: () => withOrder({ symbol: 'AAPL', side: 'buy', qty: 50, type: 'limit', limit_price: 100.01 }, { limits: limits({ maxPositionPctEquity: 1 }) }),
    fails: ['RISK_MAX_NOTIONAL'],
  },
  {
    name: 'notional: notional order $5,000',
    input: () => withOrder({ symbol: 'AAPL', side: 'buy', notional: 5000, type: 'market' }, { limits: limits({ maxPositionPctEquity: 1 }) }),
    fails: [],
  },
  {
    name: 'notional: notional order $5,000.01',
    input: () => withOrder({ symbol: 'AAPL', side: 'buy', notional: 5000.01, type: 'market' }, { limits: limits({ maxPositionPctEquity: 1 }) }),
    fails: ['RISK_MAX_NOTIONAL'],
  },
  {
    name: 'notional: market buy priced at the ask (49 × 100.01)',
    input: () => withOrder({ symbol: 'AAPL', side: 'buy', qty: 49.99, type: 'market' }, { limits: limits({ maxPositionPctEquity: 1 }) }),
    fails: [],
  },
  {
    name: 'notional: market buy priced at the ask (50 × 100.01)',
    input: () => withOrder({ symbol: 'AAPL', side: 'buy', qty: 50, type: 'market' }, { limits: limits({ maxPositionPctEquity: 1 }) }),
    fails: ['RISK_MAX_NOTIONAL'],
  },

  // max order quantity (500 shares)
  {
    name: 'qty: 500 shares',
    input: () => withOrder({ symbol: 'AAPL', side: 'buy', qty: 500, type: 'limit', limit_price: 100 }, { limits: limits(wide) }),
    fails: [],
  },
  {
    name: 'qty: 500.5 shares',
    input: () => withOrder({ symbol: 'AAPL', side: 'buy', qty: 500.5, type: 'limit', limit_price: 100 }, { limits: limits(wide) }),
    fails: ['RISK_MAX_QTY'],
  },

  // price collar (3% of the mid 100.00)
  { name: 'collar: buy limit 102.99', input: () => withOrder({ symbol: 'AAPL', side: 'buy', qty: 10, type: 'limit', limit_price: 102.99 }), fails: [] },
  {
    name: 'collar: buy limit 103.01',
    input: () => withOrder({ symbol: 'AAPL', side: 'buy', qty: 10, type: 'limit', limit_price: 103.01 }),
    fails: ['RISK_PRICE_COLLAR'],
  },
  {
    name: 'collar: sell limit 97.01',
    input: () => withOrder({ symbol: 'AAPL', side: 'sell', qty: 10, type: 'limit', limit_price: 97.01 }, { positions: [position('AAPL', 10)] }),
    fails: [],
  },
  {
    name: 'collar: sell limit 96.99',
    input: () => withOrder({ symbol: 'AAPL', side: 'sell', qty: 10, type: 'limit', limit_price: 96.99 }, { positions: [position('AAPL', 10)] }),
    fails: ['RISK_PRICE_COLLAR'],
  },
  {
    name: 'collar: stop 97.01',
    input: () => withOrder({ symbol: 'AAPL', side: 'sell', qty: 10, type: 'stop', stop_price: 97.01 }, { positions: [position('AAPL', 10)] }),
    fails: [],
  },
  {
    name: 'collar: stop 96.99',
    input: () => withOrder({ symbol: 'AAPL', side: 'sell', qty: 10, type: 'stop', stop_price: 96.99 }, { positions: [position('AAPL', 10)] }),
    fails: ['RISK_PRICE_COLLAR'],
  },

  // stale quote (120 s, measured on the broker's clock)
  { name: 'quote: 120 s old', input: () => baseInput({ quotes: { AAPL: quote('AAPL', 99.99, 100.01, isoBefore(OPEN_AT, 120)) } }), fails: [] },
  {
    name: 'quote: 121 s old',
    input: () => baseInput({ quotes: { AAPL: quote('AAPL', 99.99, 100.01, isoBefore(OPEN_AT, 121)) } }),
    fails: ['RISK_STALE_QUOTE'],
  },
  {
    name: 'quote: crossed quote is unusable',
    input: () => baseInput({ quotes: { AAPL: quote('AAPL', 100.02, 100.01, isoBefore(OPEN_AT, 1)) } }),
    fails: ['RISK_PRICE_COLLAR', 'RISK_STALE_QUOTE'],
  },

  // max position per symbol after the fill, counting open orders (5% of $100k = $5,000)
  { name: 'position: 40 held + 10 = 50 × 100', input: () => baseInput({ positions: [position('AAPL', 40)] }), fails: [] },
  {
    name: 'position: 40 held + 1 on an open buy + 10 = 51 × 100',
    input: () => baseInput({ positions: [position('AAPL', 40)], openOrders: [openOrder({ symbol: 'AAPL', side: 'buy', qty: 1 })] }),
    fails: ['RISK_MAX_POSITION'],
  },
  {
    name: 'position: a partly filled open buy counts only its remainder',
    input: () =>
      baseInput({
        positions: [position('AAPL', 40)],
        openOrders: [openOrder({ symbol: 'AAPL', side: 'buy', qty: 5, filledQty: 5, status: 'partially_filled' })],
      }),
    fails: [],
  },
  {
    name: 'position: open sells do not offset a buy (worst case)',
    input: () => baseInput({ positions: [position('AAPL', 41)], openOrders: [openOrder({ symbol: 'AAPL', side: 'sell', qty: 20, limitPrice: 100 })] }),
    fails: ['RISK_MAX_POSITION'],
  },
  {
    name: 'position: cancelled orders do not count',
    input: () => baseInput({ positions: [position('AAPL', 40)], openOrders: [openOrder({ symbol: 'AAPL', side: 'buy', qty: 30, status: 'canceled' })] }),
    fails: [],
  },
  {
    name: 'position: a sell reducing an oversized long passes',
    input: () => withOrder({ symbol: 'AAPL', side: 'sell', qty: 10, type: 'limit', limit_price: 100 }, { positions: [position('AAPL', 100)] }),
    fails: [],
  },
  { name: 'position: a buy covering an oversized short passes', input: () => baseInput({ positions: [position('AAPL', -100)] }), fails: [] },
  {
    name: 'position: a sell flipping 10 long to 51 short',
    input: () =>
      withOrder(
        { symbol: 'AAPL', side: 'sell', qty: 61, type: 'limit', limit_price: 100 },
        { positions: [position('AAPL', 10)], limits: limits({ maxOrderNotionalUsd: 10_000 }) },
      ),
    fails: ['RISK_MAX_POSITION'],
  },

  // buying power (the broker's figure, already net of open orders)
  { name: 'buying power: 1,000 for a 1,000 buy', input: () => baseInput({ account: account({ buyingPower: 1000 }) }), fails: [] },
  { name: 'buying power: 999.99 for a 1,000 buy', input: () => baseInput({ account: account({ buyingPower: 999.99 }) }), fails: ['RISK_BUYING_POWER'] },
  {
    name: 'buying power: a short sale needs it too',
    input: () => withOrder({ symbol: 'AAPL', side: 'sell', qty: 10, type: 'limit', limit_price: 100 }, { account: account({ buyingPower: 999 }) }),
    fails: ['RISK_BUYING_POWER'],
  },
  {
    name: 'buying power: selling shares held needs none',
    input: () =>
      withOrder(
        { symbol: 'AAPL', side: 'sell', qty: 10, type: 'limit', limit_price: 100 },
        { account: account({ buyingPower: 0 }), positions: [position('AAPL', 10)] },
      ),
    fails: [],
  },
  {
    name: 'buying power: gross figure less open-order reservations (1,000 left)',
    input: () =>
      baseInput({
        buyingPowerNetOfOpenOrders: false,
        account: account({ buyingPower: 2000 }),
        openOrders: [openOrder({ symbol: 'MSFT', side: 'buy', qty: 10, limitPrice: 100 })],
      }),
    fails: [],
  },
  {
    name: 'buying power: gross figure less open-order reservations (999.90 left)',
    input: () =>
      baseInput({
        buyingPowerNetOfOpenOrders: false,
        account: account({ buyingPower: 2000 }),
        openOrders: [openOrder({ symbol: 'MSFT', side: 'buy', qty: 10, limitPrice: 100.01 })],
      }),
    fails: ['RISK_BUYING_POWER'],
  },

  // max open orders (10)
  {
    name: 'open orders: 9 open + this one',
    input: () => baseInput({ openOrders: Array.from({ length: 9 }, () => openOrder({ symbol: 'MSFT', side: 'buy' })) }),
    fails: [],
  },
  {
    name: 'open orders: 10 open + this one',
    input: () => baseInput({ openOrders: Array.from({ length: 10 }, () => openOrder({ symbol: 'MSFT', side: 'buy' })) }),
    fails: ['RISK_MAX_OPEN_ORDERS'],
  },

  // order rate: 2 per minute, 5 per hour
  { name: 'rate/min: 1 in the last minute', input: () => baseInput({ state: state({ recentOrders: [recent(30)] }) }), fails: [] },
  { name: 'rate/min: 2 in the last minute', input: () => baseInput({ state: state({ recentOrders: [recent(30), recent(59)] }) }), fails: ['RISK_RATE_MINUTE'] },
  { name: 'rate/min: exactly 60 s ago is outside the window', input: () => baseInput({ state: state({ recentOrders: [recent(30), recent(60)] }) }), fails: [] },
  {
    name: 'rate/hour: 4 in the last hour',
    input: () => baseInput({ state: state({ recentOrders: [recent(100), recent(200), recent(300), recent(3599)] }) }),
    fails: [],
  },
  {
    name: 'rate/hour: 5 in the last hour',
    input: () => baseInput({ state: state({ recentOrders: [recent(100), recent(200), recent(300), recent(400), recent(3599)] }) }),
    fails: ['RISK_RATE_HOUR'],
  },
  {
    name: 'rate/hour: exactly 1 h ago is outside',
    input: () => baseInput({ state: state({ recentOrders: [recent(100), recent(200), recent(300), recent(400), recent(3600)] }) }),
    fails: [],
  },

  // max daily loss (3% of the day's starting equity): reaching it fails (and trips the halt)
  { name: 'daily loss: 2.99999%', input: () => baseInput({ account: account({ equity: 97_000.01 }) }), fails: [] },
  { name: 'daily loss: 3.00%', input: () => baseInput({ account: account({ equity: 97_000 }) }), fails: ['RISK_DAILY_LOSS'] },
  {
    name: "daily loss: falls back to last_equity when the day's base is unknown",
    input: () => baseInput({ account: account({ equity: 96_000, lastEquity: 100_000 }), state: state({ startOfDayEquity: null }) }),
    fails: ['RISK_DAILY_LOSS'],
  },

  // identical order within 120 s (a different client_order_id is still the same order)
  {
    name: 'duplicate: identical order 120 s ago is outside the window',
    input: () =>
      baseInput({
        state: state({
          recentOrders: [recent(120, orderFingerprint(order({ symbol: 'AAPL', side: 'buy', qty: 10, type: 'limit', limit_price: 100 }), 'sim'))],
        }),
      }),
    fails: [],
  },
  {
    name: 'duplicate: identical order 119 s ago, other client_order_id',
    input: () =>
      baseInput({
        state: state({
          recentOrders: [
            recent(119, orderFingerprint(order({ symbol: 'AAPL', side: 'buy', qty: 10, type: 'limit', limit_price: 100, client_order_id: 'x-1' }), 'sim')),
          ],
        }),
      }),
    fails: ['RISK_DUPLICATE_ORDER'],
  },
  {
    name: 'duplicate: same order in another mode is not a duplicate',
    input: () =>
      baseInput({
        state: state({
          recentOrders: [recent(10, orderFingerprint(order({ symbol: 'AAPL', side: 'buy', qty: 10, type: 'limit', limit_price: 100 }), 'paper'))],
        }),
      }),
    fails: [],
  },

  // market hours from the broker clock
  {
    name: 'hours: closed on Saturday',
    input: () =>
      baseInput({
        clock: clock('2026-03-14T15:00:00.000Z', false, '2026-03-16T13:30:00.000Z', '2026-03-16T20:00:00.000Z'),
        quotes: { AAPL: quote('AAPL', 99.99, 100.01, '2026-03-14T14:59:59.000Z') },
      }),
    fails: ['RISK_MARKET_CLOSED'],
  },
  ...extendedHoursCases(),

  // pattern day trader: under $25k, 3 day trades, a closing order could make the 4th
  { name: 'PDT: 3 day trades at $25,000 equity', input: () => pdt(25_000, 3), fails: [] },
  { name: 'PDT: 3 day trades at $24,999.99 equity', input: () => pdt(24_999.99, 3), fails: ['RISK_PDT'] },
  { name: 'PDT: 2 day trades under $25k', input: () => pdt(24_999.99, 2), fails: [] },
  { name: 'PDT: flagged pattern day trader under $25k', input: () => pdt(24_999.99, 0, true), fails: ['RISK_PDT'] },

  // multi-leg options
  { name: 'options: credit spread passes', input: () => creditSpreadInput(), fails: [] },
  {
    name: 'options: same contract twice',
    input: () =>
      legsInput([
        ['P', 100, 'sell'],
        ['P', 100, 'buy'],
      ]),
    fails: ['RISK_OPTIONS_LEGS'],
  },
  {
    name: 'options: two underlyings',
    input: () =>
      legsInput([
        ['P', 100, 'sell'],
        ['P', 95, 'buy', 'QQQ'],
      ]),
    fails: ['RISK_OPTIONS_LEGS'],
  },
  {
    name: 'options: side and intent disagree',
    input: () =>
      legsInput([
        ['P', 100, 'sell', 'SPY', 'buy_to_open'],
        ['P', 95, 'buy'],
      ]),
    fails: ['RISK_OPTIONS_LEGS'],
  },
  {
    name: 'options: naked short call beside a long put',
    input: () =>
      legsInput([
        ['C', 110, 'sell'],
        ['P', 95, 'buy'],
      ]),
    fails: ['RISK_UNDEFINED_RISK', 'RISK_OPTIONS_MAX_LOSS', 'RISK_BUYING_POWER'],
  },
  {
    name: 'options: naked short put beside a long call',
    input: () =>
      legsInput([
        ['P', 95, 'sell'],
        ['C', 110, 'buy'],
      ]),
    fails: ['RISK_UNDEFINED_RISK', 'RISK_OPTIONS_MAX_LOSS'],
  },
  {
    name: 'options: 1×2 call ratio spread (short 2, long 1)',
    input: () =>
      legsInput([
        ['C', 100, 'buy', 'SPY', 'buy_to_open', 1],
        ['C', 105, 'sell', 'SPY', 'sell_to_open', 2],
      ]),
    fails: ['RISK_UNDEFINED_RISK', 'RISK_OPTIONS_MAX_LOSS', 'RISK_BUYING_POWER'],
  },
  {
    name: 'options: 2×2 call spread is covered',
    input: () =>
      legsInput([
        ['C', 100, 'buy', 'SPY', 'buy_to_open', 2],
        ['C', 105, 'sell', 'SPY', 'sell_to_open', 2],
      ]),
    fails: [],
  },
  {
    name: 'options: debit call spread (long lower strike) is defined risk',
    input: () =>
      legsInput([
        ['C', 100, 'buy'],
        ['C', 105, 'sell'],
      ]),
    fails: [],
  },
  { name: 'options: max loss (5 − 1.5) × 100 × 2 = 700 ≤ 700', input: () => creditSpreadInput({ qty: 2 }), fails: [] },
  {
    name: 'options: max loss 700 > 699.99',
    input: () => ({ ...creditSpreadInput({ qty: 2 }), limits: limits({ maxOptionsLossUsd: 699.99 }) }),
    fails: ['RISK_OPTIONS_MAX_LOSS'],
  },
  {
    name: 'options: 10 spreads = 10 contracts',
    input: () => ({ ...creditSpreadInput({ qty: 10 }), limits: limits({ maxOptionsLossUsd: 10_000 }) }),
    fails: [],
  },
  {
    name: 'options: 11 spreads > 10 contracts',
    input: () => ({ ...creditSpreadInput({ qty: 11 }), limits: limits({ maxOptionsLossUsd: 10_000 }) }),
    fails: ['RISK_MAX_QTY'],
  },
  { name: 'options: net limit −1.63 within the 3% collar of gross mid 4.50', input: () => creditSpreadInput({ limit: -1.63 }), fails: [] },
  { name: 'options: net limit −1.64 outside the collar', input: () => creditSpreadInput({ limit: -1.64 }), fails: ['RISK_PRICE_COLLAR'] },
  { name: 'options: 30 days to expiry', input: () => creditSpreadInput({ expiry: '2026-04-09' }), fails: [] },
  { name: 'options: 29 days to expiry', input: () => creditSpreadInput({ expiry: '2026-04-08' }), fails: ['RISK_DAYS_TO_EXPIRY'] },
  { name: 'options: 45 days to expiry', input: () => creditSpreadInput({ expiry: '2026-04-24' }), fails: [] },
  { name: 'options: 46 days to expiry', input: () => creditSpreadInput({ expiry: '2026-04-25' }), fails: ['RISK_DAYS_TO_EXPIRY'] },
  {
    name: 'options: underlying not on the allow-list',
    input: () =>
      legsInput([
        ['P', 100, 'sell', 'ZZZ'],
        ['P', 95, 'buy', 'ZZZ'],
      ]),
    fails: ['RISK_SYMBOL_NOT_ALLOWED'],
  },
  { name: 'options: a leg quote 121 s old', input: () => staleLeg(121), fails: ['RISK_STALE_QUOTE'] },
  { name: 'options: leg quotes 120 s old', input: () => staleLeg(120), fails: [] },
  {
    name: 'options: not in regular hours, even pre-market',
    input: () => ({
      ...creditSpreadInput(),
      clock: clock('2026-03-10T12:00:00.000Z', false, '2026-03-10T13:30:00.000Z'),
      quotes: requote(creditSpreadInput(), '2026-03-10T11:59:59.000Z'),
    }),
    fails: ['RISK_MARKET_CLOSED'],
  },
];

function extendedHoursCases(): Case[] {
  const ext = (at: string, nextOpen: string, allow: boolean) =>
    withOrder(
      { symbol: 'AAPL', side: 'buy', qty: 10, type: 'limit', limit_price: 100, extended_hours: true },
      {
        clock: clock(at, false, nextOpen, '2026-03-11T20:00:00.000Z'),
        quotes: { AAPL: quote('AAPL', 99.99, 100.01, isoBefore(at, 1)) },
        limits: limits({ allowExtendedHours: allow }),
      },
    );
  return [
    { name: 'hours: pre-market 04:00 ET, extended allowed', input: () => ext('2026-03-10T08:00:00.000Z', '2026-03-10T13:30:00.000Z', true), fails: [] },
    { name: 'hours: 03:59 ET is closed', input: () => ext('2026-03-10T07:59:00.000Z', '2026-03-10T13:30:00.000Z', true), fails: ['RISK_MARKET_CLOSED'] },
    {
      name: 'hours: pre-market but extended hours disabled',
      input: () => ext('2026-03-10T08:00:00.000Z', '2026-03-10T13:30:00.000Z', false),
      fails: ['RISK_MARKET_CLOSED'],
    },
    { name: 'hours: after-hours 19:59 ET', input: () => ext('2026-03-10T23:59:00.000Z', '2026-03-11T13:30:00.000Z', true), fails: [] },
    { name: 'hours: 20:00 ET is closed', input: () => ext('2026-03-11T00:00:00.000Z', '2026-03-11T13:30:00.000Z', true), fails: ['RISK_MARKET_CLOSED'] },
    {
      name: 'hours: pre-market without extended_hours on the order',
      input: () => ({
        ...ext('2026-03-10T08:00:00.000Z', '2026-03-10T13:30:00.000Z', true),
        order: order({ symbol: 'AAPL', side: 'buy', qty: 10, type: 'limit', limit_price: 100 }),
      }),
      fails: ['RISK_MARKET_CLOSED'],
    },
  ];
}

function pdt(equity: number, daytrades: number, flagged = false): RiskInput {
  return withOrder(
    { symbol: 'AAPL', side: 'sell', qty: 10, type: 'limit', limit_price: 100 },
    {
      account: account({ equity, lastEquity: equity, daytradeCount: daytrades, patternDayTrader: flagged }),
      state: state({ startOfDayEquity: equity }),
      positions: [position('AAPL', 10)],
    },
  );
}

type LegSpec = [type: 'C' | 'P', strike: number, side: 'buy' | 'sell', root?: string, intent?: string, ratio?: number];
function legsInput(specs: LegSpec[], o: { limit?: number; qty?: number } = {}): RiskInput {
  const ts = isoBefore(OPEN_AT, 1);
  const legs = specs.map(([type, strike, side, root = 'SPY', intent, ratio = 1]) => ({
    symbol: occ('2026-04-09', type, strike, root),
    side,
    ratio_qty: ratio,
    position_intent: (intent ?? (side === 'buy' ? 'buy_to_open' : 'sell_to_open')) as 'buy_to_open',
  }));
  const quotes = Object.fromEntries(
    legs.map((l, i) => {
      const mid = [3, 1.5, 1, 0.5][i] ?? 1;
      return [l.symbol, quote(l.symbol, mid - 0.05, mid + 0.05, ts)];
    }),
  );
  const netMid = legs.reduce((s, l) => s + (l.side === 'buy' ? 1 : -1) * l.ratio_qty * ((quotes[l.symbol]!.bidPrice + quotes[l.symbol]!.askPrice) / 2), 0);
  return baseInput({
    order: {
      ...order({
        side: 'buy',
        qty: o.qty ?? 1,
        type: 'limit',
        limit_price: o.limit ?? (Math.round(netMid * 100) / 100 || 0.01),
        order_class: 'mleg',
        legs: [legs[0]!, legs[1]!],
      }),
      legs,
    },
    quotes,
  });
}

function requote(input: RiskInput, at: string): RiskInput['quotes'] {
  return Object.fromEntries(Object.entries(input.quotes).map(([s, q]) => [s, q ? { ...q, timestamp: at } : q]));
}

function staleLeg(ageSec: number): RiskInput {
  const input = creditSpreadInput();
  const first = Object.keys(input.quotes)[0]!;
  return { ...input, quotes: { ...input.quotes, [first]: { ...input.quotes[first]!, timestamp: isoBefore(OPEN_AT, ageSec) } } };
}

describe('evaluateRisk: every check at its boundary', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const verdict = evaluateRisk(c.input());
      const failed = verdict.checks.filter((x) => !x.passed).map((x) => x.code);
      expect(failed.sort(), JSON.stringify(verdict.checks.filter((x) => !x.passed).map((x) => x.message))).toEqual([...c.fails].sort());
      expect(verdict.passed).toBe(c.fails.length === 0);
      // Always the full, schema-valid report in a fixed order, never an early exit.
      expect(verdict.checks.map((x) => x.name)).toEqual(RISK_CHECKS.map((x) => x.name));
      expect(RiskVerdictSchema.safeParse(verdict).success).toBe(true);
    });
  }
});

describe('evaluateRisk: details', () => {
  it('reports limit and actual values of a failed check', () => {
    const v = evaluateRisk(
      withOrder({ symbol: 'AAPL', side: 'buy', qty: 50, type: 'limit', limit_price: 100.01 }, { limits: limits({ maxPositionPctEquity: 1 }) }),
    );
    const notional = v.checks.find((c) => c.code === 'RISK_MAX_NOTIONAL')!;
    expect(notional).toMatchObject({ passed: false, limit: 5000, actual: 5000.5 });
    expect(notional.message).toContain('$5,000.50');
  });

  it('binds the order hash of SPEC §4 (mode included)', () => {
    const a = evaluateRisk(baseInput());
    const b = evaluateRisk(baseInput({ mode: 'paper' }));
    expect(a.order_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(a.order_hash).not.toBe(b.order_hash);
  });

  it('reports every failure at once', () => {
    const v = evaluateRisk(
      baseInput({
        state: state({ halted: true, haltReason: 'x' }),
        account: account({ buyingPower: 1, equity: 50_000 }),
        limits: limits({ allowSymbols: ['SPY'] }),
      }),
    );
    expect(v.checks.filter((c) => !c.passed).map((c) => c.code)).toEqual(
      expect.arrayContaining(['RISK_HALTED', 'RISK_SYMBOL_NOT_ALLOWED', 'RISK_BUYING_POWER', 'RISK_DAILY_LOSS']),
    );
  });

  it('normalises symbols: case, full width, zero-width, Cyrillic and Greek look-alikes', () => {
    expect(normalizeSymbol('ｔｓｌａ')).toBe('TSLA');
    expect(normalizeSymbol('\u0422SL\u0410')).toBe('TSLA'); // Cyrillic Т and А
    expect(normalizeSymbol('A\u200B\u200DAP\uFEFFL')).toBe('AAPL');
    expect(normalizeSymbol('\u039C\u0405FT')).toBe('MSFT'); // Greek Μ, Cyrillic Ѕ
    expect(normalizeSymbol('brk.b')).toBe('BRK.B');
  });

  it('computes max loss for credit, debit spreads and iron condors', () => {
    const e = '2026-04-09';
    const leg = (t: 'C' | 'P', k: number, side: 'buy' | 'sell', ratio = 1) => ({
      symbol: occ(e, t, k),
      side,
      ratio_qty: ratio,
      position_intent: (side === 'buy' ? 'buy_to_open' : 'sell_to_open') as 'buy_to_open',
    });
    // credit put spread: (5 − 1.5) × 100 × 2
    expect(optionsMaxLoss([leg('P', 100, 'sell'), leg('P', 95, 'buy')], -1.5, 2)!.maxLossUsd).toBeCloseTo(700, 9);
    // debit call spread: the debit
    expect(optionsMaxLoss([leg('C', 100, 'buy'), leg('C', 105, 'sell')], 2, 3)!.maxLossUsd).toBeCloseTo(600, 9);
    // iron condor 90/95 puts, 105/110 calls for 1.20 credit: (5 − 1.2) × 100
    expect(optionsMaxLoss([leg('P', 90, 'buy'), leg('P', 95, 'sell'), leg('C', 105, 'sell'), leg('C', 110, 'buy')], -1.2, 1)!.maxLossUsd).toBeCloseTo(380, 9);
    // unequal-wing condor: the wider wing sets the loss
    expect(optionsMaxLoss([leg('P', 85, 'buy'), leg('P', 95, 'sell'), leg('C', 105, 'sell'), leg('C', 110, 'buy')], -1, 1)!.maxLossUsd).toBeCloseTo(900, 9);
    // naked call: unbounded
    expect(optionsMaxLoss([leg('C', 100, 'sell'), leg('P', 90, 'buy')], -1, 1)!.maxLossUsd).toBe(Infinity);
  });

  it('exempts closing legs from the days-to-expiry window', () => {
    const input = creditSpreadInput({ expiry: '2026-03-13' });
    const closing = {
      ...input,
      order: {
        ...input.order,
        legs: input.order.legs!.map((l) => ({
          ...l,
          side: l.side === 'buy' ? ('sell' as const) : ('buy' as const),
          position_intent: (l.side === 'buy' ? 'sell_to_close' : 'buy_to_close') as 'buy_to_close',
        })),
        limit_price: 1.5,
      },
    };
    const opened = evaluateRisk(input).checks.find((c) => c.code === 'RISK_DAYS_TO_EXPIRY')!;
    const closed = evaluateRisk(closing).checks.find((c) => c.code === 'RISK_DAYS_TO_EXPIRY')!;
    expect(opened.passed).toBe(false);
    expect(closed.passed).toBe(true);
  });
});
