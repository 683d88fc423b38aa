/**
 * MCP prompts (SPEC §17): workflows a person picks in their client (Claude Desktop's prompt menu, the
 * Inspector) that walk an agent through this server's tools in the safe order. Each names only the tools the
 * active profile has, and is listed only where the tool it is built around exists. Arguments are strings (MCP);
 * each is validated, and a bad one is InvalidParams with the reason, never a silently different prompt.
 */
import { EQUITY_SYMBOL } from '../orders/symbols.js';

export interface PromptArgument {
  name: string;
  description: string;
  required: boolean;
  /** Why the value is refused, or null when it is fine. */
  check(value: string): string | null;
}

export interface PromptDefinition {
  name: string;
  title: string;
  description: string;
  requiresTool: string;
  arguments: PromptArgument[];
  /** The user message, for these (checked) arguments and the profile's tools. */
  text(args: Record<string, string | undefined>, has: (tool: string) => boolean): string;
}

const symbolArg = (name: string, description: string): PromptArgument => ({
  name,
  description,
  required: true,
  check: (v) => (EQUITY_SYMBOL.test(v) ? null : `${name} must be an uppercase US equity ticker such as SPY or BRK.B`),
});

const numberArg = (name: string, description: string, lo: number, hi: number): PromptArgument => ({
  name,
  description,
  required: false,
  check: (v) => (/^\d+(\.\d+)?$/.test(v) && Number(v) >= lo && Number(v) <= hi ? null : `${name} must be a number from ${lo} to ${hi}`),
});

const steps = (list: Array<[boolean, string]>): string =>
  list
    .filter(([keep]) => keep)
    .map(([, s], i) => `${i + 1}. ${s}`)
    .join('\n');

export const preTradeChecklist: PromptDefinition = {
  name: 'pre_trade_checklist',
  title: 'Pre-trade checklist',
  description:
    'Walk one trade idea through market data, technicals, lessons, strategy selection, the risk check and (where this profile can) the council and the Opus-confirmed order.',
  requiresTool: 'check_risk',
  arguments: [
    symbolArg('symbol', 'the ticker to trade, e.g. AAPL'),
    {
      name: 'side',
      description: 'buy or sell (default buy)',
      required: false,
      check: (v) => (v === 'buy' || v === 'sell' ? null : 'side must be buy or sell'),
    },
    numberArg('qty', 'shares (default: size it from the risk check)', 1, 1_000_000),
    {
      name: 'thesis',
      description: 'why, in a sentence (passed to tools as untrusted rationale)',
      required: false,
      check: (v) => (v.length <= 1000 ? null : 'thesis is limited to 1000 characters'),
    },
  ],
  text(a, has) {
    const side = a.side ?? 'buy';
    const idea = `${side} ${a.qty ? `${a.qty} ` : ''}${a.symbol}${a.thesis ? ` — thesis: "${a.thesis}"` : ''}`;
    return [
      `Take this trade idea through the checklist before anything is sent: ${idea}.`,
      'Use the tools in this order, and stop at the first step that says no:',
      steps([
        [has('get_market_data'), `get_market_data kind "quote" for ${a.symbol}: is the spread sane and the market open?`],
        [has('get_technicals'), `get_technicals for ${a.symbol}: trend, volatility regime and the signals that argue against the idea.`],
        [has('search_lessons'), 'search_lessons with the situation in your own words: what went wrong in trades like this before?'],
        [has('select_strategy'), `select_strategy for ${a.symbol}: which strategy does the track record favour in this regime?`],
        [has('get_trade_memory'), `get_trade_memory for ${a.symbol}: how did past round trips in this symbol end?`],
        [true, 'check_risk with the exact order (symbol, side, qty, type, limit price, strategy, rationale): read every failed check.'],
        [has('council_vote'), 'council_vote on the same order: a REJECT or NO_QUORUM ends it here.'],
        [has('place_order'), 'place_order with the same order only if every step passed: Claude Opus confirms that exact order_hash, and a refusal is final.'],
      ]),
      'Report what each step found in one line, and the decision.',
    ].join('\n');
  },
};

export const ironCondorPlan: PromptDefinition = {
  name: 'iron_condor_plan',
  title: 'Iron condor plan',
  description: 'Plan a defined-risk iron condor: regime, the chain, build_iron_condor, lessons, and the risk check of the four-leg order.',
  requiresTool: 'build_iron_condor',
  arguments: [
    symbolArg('underlying', 'the underlying, e.g. SPY'),
    numberArg('dte', 'days to expiration to aim for (default 30–45)', 1, 365),
    numberArg('wing_width', 'dollars between short and long strikes', 0.5, 100),
  ],
  text(a, has) {
    const wings = a.wing_width ? `${a.wing_width}-dollar wings` : 'wings of your choosing';
    return [
      `Plan an iron condor on ${a.underlying}, about ${a.dte ?? '30–45'} days to expiration, ${wings}.`,
      steps([
        [has('get_technicals'), `get_technicals for ${a.underlying}: a condor wants a range-bound, not a trending or high-volatility, regime.`],
        [has('get_market_data'), `get_market_data kind "options_chain" for ${a.underlying} around that expiry: are the quotes liquid?`],
        [
          true,
          `build_iron_condor for ${a.underlying} at that expiry: read the credit, max loss, breakevens and the probability of profit, and which method computed it.`,
        ],
        [has('search_lessons'), 'search_lessons for iron condors in this regime: what do past condors teach?'],
        [has('check_risk'), 'check_risk with the order build_iron_condor returned: read every failed check (the options max-loss limit in particular).'],
        [has('council_vote'), 'council_vote on that order.'],
        [has('place_order'), 'place_order only if everything passed; it needs the Opus confirmation of that exact order.'],
      ]),
      'Say in the end whether the plan is worth its max loss, in one paragraph.',
    ].join('\n');
  },
};

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export const dailyReview: PromptDefinition = {
  name: 'daily_review',
  title: 'Daily review',
  description:
    "Review a trading day: LLM spend against the budget, the round trips and their P&L, the arena leaderboard, and lessons worth writing from the day's losses.",
  requiresTool: 'get_trade_memory',
  arguments: [
    {
      name: 'date',
      description: 'the day to review, YYYY-MM-DD (default today)',
      required: false,
      check: (v) => (DATE.test(v) && !Number.isNaN(Date.parse(v)) ? null : 'date must be YYYY-MM-DD'),
    },
  ],
  text(a, has) {
    const day = a.date ?? 'today';
    return [
      `Review ${day}'s trading.`,
      steps([
        [has('get_llm_usage'), 'get_llm_usage: spend by tier, model and tool against the daily and monthly budgets, and the downgrade step.'],
        [true, `get_trade_memory since ${a.date ?? "today's date"}: the round trips, win rate, expectancy and the worst loss.`],
        [has('get_positions'), 'get_positions: what is still open, and its unrealised P&L.'],
        [has('get_leaderboard'), 'get_leaderboard: which model earned its cost in the arena.'],
        [has('search_lessons'), 'search_lessons with include_drafts: true: the draft lessons the losing trades wrote.'],
        [has('record_lesson'), 'record_lesson for any lesson the day taught that no draft covers.'],
      ]),
      'End with three lines: what worked, what did not, what to change tomorrow.',
    ].join('\n');
  },
};

export const PROMPT_CATALOGUE: readonly PromptDefinition[] = [preTradeChecklist, ironCondorPlan, dailyReview];
