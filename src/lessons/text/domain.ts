/**
 * Trading and tooling words the general-English word vectors do not know (or know in another
 * sense: to GloVe a "sandbox" is a game and a "timeout" is basketball): each adds plain words with
 * the meaning it has here. A glossary of the field, not of any query set — every entry is what the
 * term means to a trader or an operator, whatever lesson it may match.
 */
export const GLOSSARY: Record<string, string> = {
  sandbox: 'paper simulated',
  testnet: 'paper simulated',
  staging: 'paper simulated',
  premarket: 'open extended hours',
  afterhours: 'close extended hours',
  postmarket: 'close extended hours',
  '0dte': 'expiration same day',
  dte: 'days expiration',
  iv: 'implied volatility',
  vix: 'volatility',
  pdt: 'pattern day trader',
  otm: 'strike',
  itm: 'strike assignment',
  timeout: 'request response',
  env: 'credentials configuration',
  dotenv: 'credentials configuration',
  apikey: 'credentials key',
  llm: 'model',
  gpt: 'model',
  claude: 'model',
  ticker: 'symbol',
  tickers: 'symbol',
  yolo: 'oversized',
  fomo: 'chasing',
  etf: 'fund',
  etfs: 'fund',
  bps: 'basis points',
  sigma: 'standard deviation',
};

/**
 * Phrases folded into one token before tokenising (so their parts do not collide with other words:
 * "timed out" is not "three times") or expanded into what they mean. Applied in order, on
 * lower-case text.
 */
export const PHRASES: ReadonlyArray<readonly [RegExp, string]> = [
  // a request that got no answer in time — never the plural of "time"
  [/\b(?:timed|times|timing|time)[\s-]+out\b|\btime-?outs?\b/g, ' timeout '],
  // "three times the expected move", "2x the size", "3× leverage": a multiple, not a time
  [/\b(?:\d+(?:\.\d+)?|two|three|four|five|six|seven|eight|nine|ten|twenty|hundred|several|many)\s+times\b/g, ' multiple '],
  [/\b\d+(?:\.\d+)?\s*[x×](?=\s|$|[,.;:!?)])/g, ' multiple '],
  [/\btimes(?=\s+\d)/g, ' multiple '],
  // how an agent says "market order" without saying it: no price limit
  [
    /\b(?:at|for)\s+(?:any|whatever)\s+(?:the\s+)?price(?:\s+it\s+is)?\b|\bwhatever\s+the\s+price\s+is\b|\bno\s+(?:limit\s+price|price\s+(?:limit|cap))\b|\bwithout\s+a\s+(?:limit(?:\s+price)?|price\s+(?:limit|cap))\b/g,
    ' market order ',
  ],
  [/\bpre[\s-]market\b/g, ' premarket '],
  [/\b(?:after|post)[\s-]hours?\b|\bpost[\s-]market\b/g, ' afterhours '],
  [/\bzero[\s-]?dte\b|\bsame[\s-]day[\s-]expir\w*/g, ' 0dte '],
  [/\bapi[\s-]keys?\b/g, ' apikey '],
  [/\.env\b/g, ' env '],
  // HTTP status codes an agent quotes from an error
  [/\b(?:500|502|503|504)\b/g, ' server error outage '],
  [/\b429\b|\btoo\s+many\s+requests\b/g, ' rate limit '],
  // betting against a stock is shorting it
  [/\bbet(?:s|ting)?\s+against\b/g, ' short '],
  [/\b(?:401|403)\b/g, ' unauthorized credentials '],
  // money and percentages: the unit is what matters to meaning
  [/\$\s?\d[\d,.]*\s*[km]?\b/g, ' dollars '],
  [/\b\d[\d,.]*\s?%/g, ' percent '],
  [/\bn't\b|n't\b/g, ' not'],
  [/'(?:s|re|ve|ll|d|m)\b/g, ''],
];

/** Words the vector table keeps even when they are rare in general English (scripts/build-word-vectors.ts). */
export const DOMAIN_VOCABULARY: readonly string[] = [
  ...Object.keys(GLOSSARY),
  ...Object.values(GLOSSARY).flatMap((v) => v.split(' ')),
  ...'condor condors strangle straddle theta vega gamma delta vix dte etf slippage drawdown backtest nymex fomc cpi occ sip iex api json idempotent webhook margin leverage hedging hedged unhedged assigned assignment expiry expiration exercised breached premarket intraday overnight downtime outage outages throttled throttling resend resubmit retry retries duplicated ticker tickers symbol broker brokerage paper sandbox credentials revoked rotated leaked oversized averaging reconcile reconciliation fill fills filled halted halt'.split(
    ' ',
  ),
];
