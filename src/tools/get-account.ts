/** get_account: equity, cash, buying power, today's P&L and pattern-day-trader state, with the trading mode. */
import { z } from 'zod';
import { AccountSchema, BrokerNameSchema, ModeSchema } from '../broker/schemas.js';
import { defineTool } from '../tool.js';

// One formatter for the process: toLocaleString builds a new Intl.NumberFormat on every call.
const USD = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
const fmt = (n: number) => USD.format(n);

// loaded on the first call, then the same promise (a dynamic import() per call costs ~5 µs)
let brokerLoaded: Promise<typeof import('../broker/index.js')> | undefined;
const brokerModule = () => (brokerLoaded ??= import('../broker/index.js'));

export const getAccountTool = defineTool({
  name: 'get_account',
  title: 'Get account',
  description:
    "The broker account: equity, cash, buying power, equity at the previous close and today's P&L, day-trade count and pattern-day-trader flag, whether trading is blocked, and the trading mode (sim, paper or live). Takes no arguments.",
  group: 'account',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  inputSchema: z.strictObject({}),
  outputSchema: z.strictObject({
    mode: ModeSchema,
    broker: BrokerNameSchema,
    account: AccountSchema,
    dayPl: z.number().finite(),
    dayPlPct: z.number().finite().nullable(),
  }),
  async handler(_input, { deps }) {
    const { getBroker } = await brokerModule();
    const broker = await getBroker(deps);
    const account = await broker.getAccount();
    const dayPl = Math.round((account.equity - account.lastEquity) * 100) / 100;
    const dayPlPct = account.lastEquity > 0 ? Math.round((dayPl / account.lastEquity) * 1e6) / 1e4 : null;
    const text = [
      `${broker.mode} account (${broker.name}) ${account.status}: equity ${fmt(account.equity)}, cash ${fmt(account.cash)}, buying power ${fmt(account.buyingPower)}.`,
      `Today ${dayPl >= 0 ? '+' : ''}${fmt(dayPl)}${dayPlPct !== null ? ` (${dayPlPct}%)` : ''} vs previous close ${fmt(account.lastEquity)}; day trades (5 sessions): ${account.daytradeCount}${account.patternDayTrader ? ', flagged pattern day trader' : ''}${account.tradingBlocked ? '; TRADING BLOCKED' : ''}.`,
    ].join('\n');
    return { structured: { mode: broker.mode, broker: broker.name, account, dayPl, dayPlPct }, text };
  },
});
