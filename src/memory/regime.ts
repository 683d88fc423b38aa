/**
 * The market regime at a moment, by the rules get_technicals reports (src/market/signals): trend
 * from SMA50 vs SMA200 with the close (signal `trend`: uptrend → 'up', downtrend → 'down', mixed →
 * 'mixed'), volatility from the HV(20) rank over its last year (signal `hv_rank`: ≥ 80 'high',
 * ≤ 20 'low', else 'normal'), both on daily bars. An option is read on its underlying. Fails soft:
 * bars that cannot be had or are too short give null for that part (null for both → no regime).
 *
 * @example await regimeAt(broker, 'SPY', '2026-03-10T15:00:00Z') // { trend: 'up', volatility: 'normal' }
 */
import type { Bar, Broker } from '../broker/types.js';
import { computeIndicators, type IndicatorName, warmupBars } from '../market/indicators.js';
import { cleanSeries } from '../market/series.js';
import { deriveSignals } from '../market/signals.js';
import { parseOcc } from '../orders/order.js';
import type { Regime } from './trips.js';

const WHICH: ReadonlySet<IndicatorName> = new Set(['sma', 'hv']);
/** Daily bars a regime reads: enough for SMA200 and a year of HV rank, and a few spare. */
export const REGIME_BARS = warmupBars(WHICH) + 5;

const TREND: Record<string, string> = { uptrend: 'up', downtrend: 'down', mixed: 'mixed' };
const VOL: Record<string, string> = { high_volatility: 'high', low_volatility: 'low', normal_volatility: 'normal' };

/** The symbol whose bars name the regime: an option's underlying, else the symbol itself. */
export const regimeSymbol = (symbol: string): string => parseOcc(symbol)?.underlying ?? symbol;

/** The regime the last of these daily bars shows; null when neither part can be read. */
export function regimeOf(bars: readonly Bar[], symbol: string): Regime | null {
  if (bars.length < 2) return null;
  const { series } = cleanSeries(bars, '1Day', symbol);
  if (series.length < 2) return null;
  const result = computeIndicators(series, WHICH, { timeframe: '1Day', windowStart: 0 });
  const signals = deriveSignals(series.close, result.series, WHICH);
  const trend = signals.find((s) => s.id === 'trend')?.state;
  const vol = signals.find((s) => s.id === 'hv_rank')?.state;
  const regime = { trend: (trend && TREND[trend]) ?? null, volatility: (vol && VOL[vol]) ?? null };
  return regime.trend === null && regime.volatility === null ? null : regime;
}

/** The regime of `symbol` from daily bars up to `at` (null: now); null on any failure. */
export async function regimeAt(
  broker: Broker,
  symbol: string,
  at: string | null,
  log?: (msg: string, meta: Record<string, unknown>) => void,
): Promise<Regime | null> {
  const under = regimeSymbol(symbol);
  try {
    const bars = await broker.getBars({ symbol: under, timeframe: '1Day', limit: REGIME_BARS, ...(at ? { end: at } : {}) });
    return regimeOf(bars, under);
  } catch (err) {
    log?.('regime unavailable', { symbol: under, at, err: (err as Error).message });
    return null;
  }
}
