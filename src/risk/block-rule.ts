/**
 * The `block` predicate a lesson may carry (SPEC §13): its grammar and when it matches an order.
 * A rule is a JSON object of facts, each with one condition; every condition must hold for the
 * rule to match (AND). A condition is a value (equality; for `tags`, "carries this tag"), `{in: [...]}`
 * (one of; for `tags`, "carries any of"), or `{lt: n}` / `{gt: n}` / both (numbers only, strict).
 * A fact that does not apply to the order (null: `dte` of a stock order, `minutes_after_open` while
 * the market is closed) matches no condition. The facts are derived by the lesson_block check
 * (checks/lesson-block.ts); the lessons area parses front matter with this grammar (risk never
 * imports lessons: the check is given the rules as data).
 *
 * @example
 *   const rule = BlockRuleSchema.parse({ order_class: 'mleg', dte: { lt: 7 } });
 *   matchBlock(rule, facts) // { matched: true, because: ['order_class = mleg', 'dte 3 < 7'] }
 */
import { z } from 'zod';
import { normalizeSymbol } from './symbols.js';

const SLUG = /^[a-z0-9][a-z0-9_-]{0,39}$/;
const SYMBOL = /^[A-Z]{1,6}([.][A-Z]{1,2})?(\d{6}[CP]\d{8})?$/;

type FactKind = 'symbol' | 'slug' | 'enum' | 'number' | 'boolean' | 'tags';
interface FactSpec {
  kind: FactKind;
  values?: readonly string[];
  about: string;
}

const enumFact = (values: readonly string[], about: string): FactSpec => ({ kind: 'enum', values, about });
const num = (about: string): FactSpec => ({ kind: 'number', about });
const bool = (about: string): FactSpec => ({ kind: 'boolean', about });

/** Every fact a rule may name: the order's own fields, `strategy` and `tags`, and what the server derives. */
export const BLOCK_FACTS = {
  symbol: { kind: 'symbol', about: 'the order symbol: an equity ticker or an OCC contract (null for multi-leg)' },
  underlying: { kind: 'symbol', about: 'the equity traded: the symbol, an option contract’s underlying, or the legs’ one underlying' },
  side: enumFact(['buy', 'sell'], 'the order side (null for multi-leg)'),
  type: enumFact(['market', 'limit', 'stop', 'stop_limit', 'trailing_stop'], 'the order type'),
  time_in_force: enumFact(['day', 'gtc', 'ioc', 'fok', 'opg', 'cls'], 'the time in force'),
  order_class: enumFact(['simple', 'bracket', 'oco', 'oto', 'mleg'], 'the order class'),
  position_intent: enumFact(['buy_to_open', 'buy_to_close', 'sell_to_open', 'sell_to_close'], 'a single-leg option order’s intent, given or inferred'),
  asset_class: enumFact(['us_equity', 'us_option'], 'us_option for single- and multi-leg option orders'),
  extended_hours: bool('the order asks for extended hours'),
  qty: num('the order quantity (shares or contracts; null for a notional order)'),
  notional: num('the order notional in dollars (null for a qty order)'),
  limit_price: num('the limit price (a multi-leg net price is negative for a credit)'),
  stop_price: num('the stop price'),
  trail_price: num('a trailing stop’s trail in dollars'),
  trail_percent: num('a trailing stop’s trail in percent'),
  strategy: { kind: 'slug', about: 'the order’s strategy id (e.g. iron_condor; null when none given)' },
  tags: { kind: 'tags', about: 'the order’s tags (a value: carries that tag; in: carries any of them)' },
  dte: num('days to the nearest expiry among the order’s option contracts (New York calendar days, broker clock)'),
  minutes_after_open: num(
    'minutes since the regular session opened (broker clock; null while closed or when the broker’s session disagrees with the NYSE calendar)',
  ),
  minutes_to_close: num('minutes until the session closes (broker clock; null while closed)'),
  quote_age_sec: num('age in seconds of the oldest quote the order is priced on (broker clock; null when a quote is missing)'),
  spread_pct: num('widest bid–ask spread of the quotes the order is priced on, in percent of the mid'),
  opening: bool('the order opens or adds to a position (false for closing, reducing and close-only orders)'),
  short_option: bool('the order sells an option to open (a single contract or any leg)'),
  naked_short_option: bool(
    'the order sells an option to open that nothing covers (the options_defined_risk rule: no long leg of the same type and expiry, no shares under a call)',
  ),
} as const satisfies Record<string, FactSpec>;

export type BlockFactName = keyof typeof BLOCK_FACTS;
export type FactValue = string | number | boolean | string[] | null;
export type BlockFacts = { [K in BlockFactName]: FactValue };

const finiteNumber = z.number().finite();
const numberCondition = z.union([
  finiteNumber,
  z.strictObject({ in: z.array(finiteNumber).min(1).max(100) }),
  z
    .strictObject({ lt: finiteNumber.optional(), gt: finiteNumber.optional() })
    .refine((c) => c.lt !== undefined || c.gt !== undefined, 'a range needs lt, gt or both'),
]);
const valueOrIn = <T extends z.ZodType>(value: T) => z.union([value, z.strictObject({ in: z.array(value).min(1).max(100) })]);

function conditionSchema(spec: FactSpec): z.ZodType {
  switch (spec.kind) {
    case 'number':
      return numberCondition;
    case 'boolean':
      return z.boolean();
    case 'enum':
      return valueOrIn(z.enum(spec.values as [string, ...string[]]));
    case 'symbol':
      return valueOrIn(z.string().regex(SYMBOL, 'a symbol is an upper-case ticker or OCC contract such as AAPL, BRK.B or SPY260417C00500000'));
    default:
      return valueOrIn(z.string().regex(SLUG, 'a lower-case slug such as iron_condor or earnings'));
  }
}

const shape = Object.fromEntries(Object.entries(BLOCK_FACTS).map(([name, spec]) => [name, conditionSchema(spec).optional()])) as Record<
  BlockFactName,
  z.ZodOptional<z.ZodType>
>;

/** A block rule: strict (an unknown fact, a wrong type or an empty rule is an error, never ignored). */
export const BlockRuleSchema = z
  .strictObject(shape)
  .refine((rule) => Object.values(rule).some((c) => c !== undefined), 'a block rule needs at least one condition (to stop every order, halt trading instead)');

export type Condition = number | string | boolean | { in: Array<string | number> } | { lt?: number; gt?: number };
export type BlockRule = Partial<Record<BlockFactName, Condition>>;

/** A lesson's block rule as the lesson_block check is given it. */
export interface LessonBlock {
  id: string;
  title: string;
  /** Where the lesson came from (corpus:<file>, user:<file>). */
  source: string;
  block: BlockRule;
}

/** Parse a rule from front matter: a mapping, or a JSON string of one. Throws with every problem named. */
export function parseBlockRule(raw: unknown): BlockRule {
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      throw new Error('block is not valid JSON');
    }
  }
  const parsed = BlockRuleSchema.safeParse(value);
  if (!parsed.success) throw new Error(`block: ${parsed.error.issues.map((i) => `${['block', ...i.path].join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data as BlockRule;
}

const show = (v: FactValue) => (Array.isArray(v) ? `[${v.join(', ')}]` : String(v));

/** Does one condition hold for a fact's value? Null never matches. Returns its reason when it does. */
function holds(name: BlockFactName, c: Condition, value: FactValue): string | null {
  if (value === null || value === undefined) return null;
  const kind = BLOCK_FACTS[name].kind;
  const same = (want: string | number | boolean) => (kind === 'symbol' && typeof want === 'string' ? normalizeSymbol(want) === value : want === value);
  if (kind === 'tags') {
    const tags = value as string[];
    const wanted = typeof c === 'object' && 'in' in c ? (c.in as string[]) : [c as string];
    const hit = wanted.filter((t) => tags.includes(t));
    return hit.length ? `tags carry ${hit.join(', ')}` : null;
  }
  if (typeof c !== 'object') return same(c) ? `${name} = ${show(value)}` : null;
  if ('in' in c) return c.in.some(same) ? `${name} ${show(value)} in [${c.in.join(', ')}]` : null;
  if (typeof value !== 'number') return null;
  if (c.lt !== undefined && !(value < c.lt)) return null;
  if (c.gt !== undefined && !(value > c.gt)) return null;
  return [c.gt !== undefined ? `${name} ${value} > ${c.gt}` : null, c.lt !== undefined ? `${name} ${value} < ${c.lt}` : null].filter(Boolean).join(' and ');
}

/** A rule matches when every one of its conditions holds; `because` names each. */
export function matchBlock(rule: BlockRule, facts: BlockFacts): { matched: boolean; because: string[] } {
  const because: string[] = [];
  for (const [name, condition] of Object.entries(rule) as Array<[BlockFactName, Condition | undefined]>) {
    if (condition === undefined) continue;
    const reason = holds(name, condition, facts[name]);
    if (reason === null) return { matched: false, because: [] };
    because.push(reason);
  }
  return { matched: because.length > 0, because };
}
