/**
 * Whole verdicts for every order kind of SPEC §12 — brackets, OTO, OCO, trailing stops, single-leg
 * options — and for the close and replace actions: each case names exactly the codes that fail
 * ([] = the order passes), so a case isolates what the kind adds.
 */
import { describe, expect, it } from 'vitest';
import type { OrderInput } from '../../../src/orders/order.js';
import { evaluateRisk, type RiskInput } from '../../../src/risk/engine.js';
import { RISK_CHECKS, RiskVerdictSchema } from '../../../src/risk/verdict.js';
import { optionInput } from './check-context.js';
import { account, baseInput, occ, openOrder, order, position } from './fixtures.js';

interface Case {
  name: string;
  input: () => RiskInput;
  fails: string[];
}

const withOrder = (o: OrderInput, over: Partial<RiskInput> = {}) => baseInput({ order: order(o), ...over });
const bracket = (over: Partial<OrderInput> = {}) =>
  ({
    symbol: 'AAPL',
    side: 'buy',
    qty: 10,
    type: 'market',
    order_class: 'bracket',
    take_profit: { limit_price: 110 },
    stop_loss: { stop_price: 95 },
    ...over,
  }) as OrderInput;
const oco = {
  symbol: 'AAPL',
  side: 'sell',
  qty: 10,
  type: 'limit',
  order_class: 'oco',
  take_profit: { limit_price: 110 },
  stop_loss: { stop_price: 95 },
} as const;
const option = (o: Parameters<typeof optionInput>[0] = {}, over: Partial<RiskInput> = {}) => baseInput({ ...optionInput(o), ...over });
const sell10 = { symbol: 'AAPL', side: 'sell', qty: 10, type: 'limit', limit_price: 100 } as const;
const call = occ('2026-04-09', 'C', 100);

const CASES: Case[] = [
  // brackets, OTO, OCO
  { name: 'bracket: market buy with exits around the price', input: () => withOrder(bracket()), fails: [] },
  {
    name: 'bracket: market buy with the stop above the price',
    input: () => withOrder(bracket({ stop_loss: { stop_price: 100.5 }, take_profit: { limit_price: 101 } })),
    fails: ['RISK_EXIT_ORDERS'],
  },
  {
    name: 'bracket: limit entry with a stop-limit exit',
    input: () => withOrder(bracket({ type: 'limit', limit_price: 100, stop_loss: { stop_price: 95, limit_price: 94 } })),
    fails: [],
  },
  {
    name: 'bracket: the entry is still held to the position limit',
    input: () => withOrder(bracket({ qty: 51, type: 'limit', limit_price: 99 })),
    fails: ['RISK_MAX_POSITION', 'RISK_MAX_NOTIONAL'],
  },
  { name: 'oto: a stop only', input: () => withOrder(bracket({ order_class: 'oto', take_profit: undefined })), fails: [] },
  { name: 'oco: exits of a long held', input: () => withOrder(oco, { positions: [position('AAPL', 10)] }), fails: [] },
  { name: 'oco: nothing held to exit', input: () => withOrder(oco), fails: ['RISK_CLOSE_ONLY'] },

  // trailing stops
  {
    name: 'trailing: sell 5% below a long',
    input: () => withOrder({ symbol: 'AAPL', side: 'sell', qty: 10, type: 'trailing_stop', trail_percent: 5 }, { positions: [position('AAPL', 10)] }),
    fails: [],
  },
  {
    name: 'trailing: a buy is charged the ask plus its trail',
    input: () => withOrder({ symbol: 'AAPL', side: 'buy', qty: 10, type: 'trailing_stop', trail_price: 2 }, { account: account({ buyingPower: 1020 }) }),
    fails: ['RISK_BUYING_POWER'],
  },
  {
    name: 'trailing: a sell trail as large as the price',
    input: () => withOrder({ symbol: 'AAPL', side: 'sell', qty: 10, type: 'trailing_stop', trail_price: 100 }, { positions: [position('AAPL', 10)] }),
    fails: ['RISK_TRAILING_STOP'],
  },

  // single-leg options
  { name: 'option: buy a call to open', input: () => option(), fails: [] },
  { name: 'option: buying calls at level 1', input: () => option({}, { account: account({ optionsLevel: 1 }) }), fails: ['RISK_OPTIONS_LEVEL'] },
  { name: 'option: the broker reports no level', input: () => option({}, { account: account({ optionsLevel: null }) }), fails: ['RISK_OPTIONS_LEVEL'] },
  {
    name: 'option: premium above the options buying power',
    input: () => option({}, { account: account({ optionsBuyingPower: 219 }) }),
    fails: ['RISK_BUYING_POWER'],
  },
  { name: 'option: a naked call', input: () => option({ side: 'sell', qty: 1 }), fails: ['RISK_UNDEFINED_RISK', 'RISK_OPTIONS_MAX_LOSS', 'RISK_BUYING_POWER'] },
  {
    name: 'option: a covered call at level 1',
    input: () => option({ side: 'sell', qty: 1 }, { positions: [position('SPY', 100)], account: account({ optionsLevel: 1 }) }),
    fails: [],
  },
  { name: 'option: a cash-secured put', input: () => option({ side: 'sell', qty: 1, symbol: occ('2026-04-09', 'P', 9) }), fails: [] },
  { name: 'option: 29 days to expiry', input: () => option({ symbol: occ('2026-04-08', 'C', 100) }), fails: ['RISK_DAYS_TO_EXPIRY'] },
  {
    name: 'option: sell to close what is held',
    input: () => option({ side: 'sell', intent: 'sell_to_close' }, { positions: [position(call, 2, 1.1)] }),
    fails: [],
  },
  { name: 'option: sell to close with nothing held', input: () => option({ side: 'sell', intent: 'sell_to_close' }), fails: ['RISK_CLOSE_ONLY'] },
  { name: 'option: no quote for the contract', input: () => option({}, { quotes: {} }), fails: ['RISK_STALE_QUOTE', 'RISK_PRICE_COLLAR'] },

  // actions
  {
    name: 'close: a long, with no buying power left',
    input: () => withOrder(sell10, { action: { kind: 'close' }, positions: [position('AAPL', 10)], account: account({ buyingPower: 0 }) }),
    fails: [],
  },
  { name: 'close: nothing held', input: () => withOrder(sell10, { action: { kind: 'close' } }), fails: ['RISK_CLOSE_ONLY'] },
  {
    name: 'replace: with ten orders open, one of them replaced',
    input: () => {
      const open = Array.from({ length: 10 }, () => openOrder({ symbol: 'MSFT', side: 'buy' }));
      return baseInput({ openOrders: open, action: { kind: 'replace', replaces: open[0]! } });
    },
    fails: [],
  },
  {
    name: 'replace: a resting buy resized does not count beside its replacement',
    input: () => {
      const resting = openOrder({ symbol: 'AAPL', side: 'buy', qty: 10 });
      return baseInput({ positions: [position('AAPL', 35)], openOrders: [resting], action: { kind: 'replace', replaces: resting } });
    },
    fails: [],
  },
  {
    name: 'place: the same resting buy counts beside a new order',
    input: () => baseInput({ positions: [position('AAPL', 35)], openOrders: [openOrder({ symbol: 'AAPL', side: 'buy', qty: 10 })] }),
    fails: ['RISK_MAX_POSITION'],
  },
];

describe('evaluateRisk: every order kind and action', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const verdict = evaluateRisk(c.input());
      const failed = verdict.checks.filter((x) => !x.passed).map((x) => x.code);
      expect(failed.sort(), JSON.stringify(verdict.checks.filter((x) => !x.passed).map((x) => x.message))).toEqual([...c.fails].sort());
      expect(verdict.checks.map((x) => x.name)).toEqual(RISK_CHECKS.map((x) => x.name));
      expect(RiskVerdictSchema.safeParse(verdict).success).toBe(true);
    });
  }
});
