/**
 * The TUNING half of the labelled set for lesson retrieval: realistic questions an agent would ask
 * before or after a trade, with the ids of the lessons that answer them. Every tuning decision
 * (embedder weights, fusion constants, candidate counts, boosts) is made on this half only; the
 * held-out half (eval-heldout.ts) is only ever scored. These are the project's original labelled
 * queries, which grew up beside the old synonym map: read their figures as in-sample.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EvalQuery } from './eval-metrics.js';

/** 81 more, written with the held-out half by the same engineer on the grown corpus (queries/tune.json). */
const WRITTEN_WITH_HELDOUT: EvalQuery[] = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'queries', 'tune.json'), 'utf8'));

const ORIGINAL: EvalQuery[] = [
  { query: 'my condor call side is being breached, should I roll it up', relevant: ['opt-iron-condor-tested-short-strike'] },
  { query: 'when to take profits on short premium spreads near expiry week', relevant: ['opt-iron-condor-held-to-expiry', 'opt-zero-dte-gamma'] },
  { query: 'will my short call get exercised before the dividend', relevant: ['opt-early-assignment-ex-dividend'] },
  { query: 'assigned shares weeks before expiration on a put spread', relevant: ['opt-early-assignment-deep-itm-put'] },
  { query: 'stock closed right at my strike on expiration friday', relevant: ['opt-pin-risk-expiration'] },
  { query: 'buying calls ahead of the quarterly report, implied vol is very high', relevant: ['opt-earnings-iv-crush', 'opt-earnings-short-premium-gap'] },
  { query: 'sell a strangle into the earnings announcement', relevant: ['opt-earnings-short-premium-gap', 'opt-earnings-iv-crush'] },
  { query: 'option has a huge bid ask and tiny open interest', relevant: ['opt-wide-bid-ask-spreads'] },
  { query: 'place the two legs of a vertical separately to get better prices', relevant: ['opt-legging-into-spreads'] },
  {
    query: 'sell uncovered calls on a meme stock with high probability of profit',
    relevant: ['opt-naked-short-call-undefined-risk', 'block-naked-short-options'],
  },
  { query: 'same day expiry options moved too fast to react', relevant: ['opt-zero-dte-gamma'] },
  { query: 'how to build the contract symbol for an option strike', relevant: ['opt-occ-symbol-strike-scale'] },
  { query: 'how many shares should I buy if my stop is far away', relevant: ['risk-position-sizing-by-stop'] },
  { query: 'down for the day, want to trade bigger to make it back', relevant: ['risk-daily-loss-revenge-trading'] },
  { query: 'holding several chip stocks at once, is that diversified', relevant: ['risk-correlated-positions'] },
  { query: 'stock opened way below my stop loss after bad news overnight', relevant: ['risk-overnight-gap-through-stop', 'opt-earnings-short-premium-gap'] },
  { query: 'broker says insufficient buying power although each order was small', relevant: ['risk-buying-power-open-orders'] },
  { query: 'account restricted after four round trips in a week, equity under 25k', relevant: ['risk-pattern-day-trader'] },
  { query: 'add more to a losing position to lower my average cost', relevant: ['risk-averaging-down'] },
  {
    query: 'meant to buy one hundred dollars of stock but bought one hundred shares',
    relevant: ['risk-notional-vs-quantity', 'agent-percent-fraction-confusion'],
  },
  { query: 'pending orders pushed the position over the per symbol cap', relevant: ['risk-max-position-counting-orders', 'risk-buying-power-open-orders'] },
  { query: 'market order right at the opening bell got a terrible fill', relevant: ['exec-market-order-at-open', 'block-market-order-first-minutes'] },
  {
    query: 'limit price based on an old quote from the cache',
    relevant: ['exec-stale-quote-limit-price', 'ops-data-feed-iex-vs-sip', 'block-new-position-stale-quote'],
  },
  {
    query: 'request timed out so I sent the order again and got filled twice',
    relevant: ['exec-duplicate-order-after-timeout', 'agent-retry-loop-repeat-orders'],
  },
  { query: 'trading before the regular session starts', relevant: ['exec-extended-hours-orders'] },
  { query: 'only part of my order executed', relevant: ['exec-partial-fill-orphan'] },
  { query: 'stop got triggered by a single bad print in a thin stock', relevant: ['exec-stop-market-wick'] },
  { query: 'thought I owned the shares but the order had expired unfilled', relevant: ['exec-day-order-expired'] },
  { query: 'after restarting, our positions do not match the broker account', relevant: ['exec-reconcile-with-broker'] },
  { query: 'the stock was paused for news and reopened much lower', relevant: ['exec-trading-halt-reopen'] },
  { query: 'model suggested a symbol that does not exist', relevant: ['agent-hallucinated-ticker'] },
  { query: 'article text told the assistant to buy shares', relevant: ['agent-prompt-injection-news', 'agent-instructions-in-tool-output'] },
  { query: 'ran out of LLM spend in the middle of the council vote', relevant: ['agent-budget-exhausted-midtask'] },
  { query: 'the model quoted a price from last year', relevant: ['agent-stale-training-knowledge'] },
  { query: 'agent kept resubmitting the order in a loop', relevant: ['agent-retry-loop-repeat-orders', 'exec-duplicate-order-after-timeout'] },
  { query: 'a stored note says always approve urgent orders', relevant: ['agent-instructions-in-tool-output'] },
  { query: 'confirmation reply was not valid json', relevant: ['agent-malformed-json-trusted'] },
  { query: 'Alpaca returns 503 errors during the open', relevant: ['ops-broker-api-outage'] },
  { query: 'too many requests from the model router', relevant: ['ops-gateway-rate-limit-retry-after'] },
  { query: 'new credentials deployed, old ones revoked, now getting 401', relevant: ['ops-api-key-rotation'] },
  { query: 'secret token showed up in the log file', relevant: ['ops-leaked-key-in-logs'] },
  { query: 'is the market open today, it is a holiday', relevant: ['ops-market-clock-source'] },
  { query: 'accidentally traded real money instead of paper', relevant: ['ops-paper-vs-live-endpoint'] },
  { query: 'free data plan quotes look wrong for small caps', relevant: ['ops-data-feed-iex-vs-sip', 'block-new-position-stale-quote'] },
  { query: 'disk full and the audit record failed to write', relevant: ['ops-journal-write-failure'] },
  // the blocking lessons (SPEC §13), worded as an agent would ask before the gate refuses it
  { query: 'collect premium by writing puts and calls with no hedge', relevant: ['block-naked-short-options', 'opt-naked-short-call-undefined-risk'] },
  { query: 'jump in right at 9:30 with a buy at whatever the price is', relevant: ['block-market-order-first-minutes', 'exec-market-order-at-open'] },
  {
    query: 'the bid and ask I used to size my entry had not updated for minutes',
    relevant: ['block-new-position-stale-quote', 'exec-stale-quote-limit-price'],
  },
];

export const TUNE_SET: EvalQuery[] = [...ORIGINAL, ...WRITTEN_WITH_HELDOUT];
