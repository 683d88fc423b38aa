/**
 * Which market-data feed the Alpaca adapter asks for, and what a refusal of that feed says.
 * Alpaca's free (Basic) plan covers IEX for stocks and the indicative feed for options; SIP and
 * OPRA need a paid plan, and a request for them answers 403 "subscription does not permit
 * querying recent SIP data" / "… OPRA data". Such a 403 is the plan's word, not the order's: it
 * gets its own reason, `data_plan`, and names the variable that picks the feed.
 *
 * @example dataPlanRefusal({ kind: 'stocks', feed: 'sip' }, 403, 'subscription does not permit querying recent SIP data', 'GET bars')
 */
import type { OPTIONS_FEEDS, STOCK_FEEDS } from '../config.js';
import { ToolError } from '../errors.js';

export type StockFeed = (typeof STOCK_FEEDS)[number];
export type OptionsFeed = (typeof OPTIONS_FEEDS)[number];

export interface FeedUse {
  kind: 'stocks' | 'options';
  feed: string;
}

const SETTING: Record<FeedUse['kind'], { variable: string; free: string }> = {
  stocks: { variable: 'TRADING_MCP_DATA_FEED', free: 'iex' },
  options: { variable: 'TRADING_MCP_OPTIONS_FEED', free: 'indicative' },
};

const PLAN_REFUSAL = /subscription does not permit[^()]*/i;

/** A BROKER_REJECTED with reason 'data_plan' for Alpaca's plan 403, or null when the 403 says something else. */
export function dataPlanRefusal(use: FeedUse | undefined, status: number, message: string, what: string, base: Record<string, unknown> = {}): ToolError | null {
  const said = PLAN_REFUSAL.exec(message)?.[0]?.trim();
  if (status !== 403 || !use || !said) return null;
  const { variable, free } = SETTING[use.kind];
  const advice =
    use.feed === free
      ? `check the market-data plan of these keys in Alpaca's dashboard`
      : `set ${variable}=${free} (the feed of Alpaca's free plan) or subscribe to a plan that includes ${use.feed.toUpperCase()}`;
  return new ToolError('BROKER_REJECTED', `Alpaca's market-data plan for these keys does not cover the ${use.feed} feed (${what}, 403: ${said}); ${advice}.`, {
    ...base,
    status,
    reason: 'data_plan',
    feed: use.feed,
    feedKind: use.kind,
    variable,
  });
}
