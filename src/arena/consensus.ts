/**
 * A round's consensus and outliers (the seed's aggregation), pure. Over the valid decisions only:
 * - the consensus action is the most frequent of BUY, SELL, HOLD; a tie resolves to HOLD when HOLD is
 *   among the tied, else to no consensus (null) — disagreement is never read as a signal to trade;
 * - its symbol is the most frequent among those decisions (alphabetical on a tie; null for HOLD);
 * - agreement = share of valid decisions taking the consensus action; outliers = the others, and those
 *   taking it on another symbol.
 */
import type { Action, Decision } from './decision.js';

export interface Consensus {
  action: Action | null;
  symbol: string | null;
  agreement: number;
  average_confidence: number | null;
  valid: number;
  outliers: Array<{ model: string; action: Action; symbol: string; confidence: number }>;
}

const round4 = (x: number) => Math.round(x * 10_000) / 10_000;

function plurality<T extends string>(items: readonly T[]): T[] {
  const counts = new Map<T, number>();
  for (const i of items) counts.set(i, (counts.get(i) ?? 0) + 1);
  const top = Math.max(0, ...counts.values());
  return [...counts]
    .filter(([, c]) => c === top)
    .map(([k]) => k)
    .sort();
}

export function consensusOf(decisions: ReadonlyArray<{ model: string; decision: Decision }>): Consensus {
  const tied = plurality(decisions.map((d) => d.decision.action));
  const action = tied.length === 1 ? tied[0]! : tied.includes('HOLD') ? 'HOLD' : null;
  const agreeing = decisions.filter((d) => d.decision.action === action);
  const symbol = action && action !== 'HOLD' ? (plurality(agreeing.map((d) => d.decision.symbol))[0] ?? null) : null;
  const inline = (d: Decision) => d.action === action && (action === 'HOLD' || d.symbol === symbol);
  return {
    action,
    symbol,
    agreement: decisions.length ? round4(agreeing.length / decisions.length) : 0,
    average_confidence: agreeing.length ? round4(agreeing.reduce((s, d) => s + d.decision.confidence, 0) / agreeing.length) : null,
    valid: decisions.length,
    outliers: decisions
      .filter((d) => !inline(d.decision))
      .map((d) => ({ model: d.model, action: d.decision.action, symbol: d.decision.symbol, confidence: d.decision.confidence })),
  };
}
