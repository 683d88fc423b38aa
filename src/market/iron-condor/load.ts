/**
 * build_iron_condor's I/O: reads the broker's clock, resolves the expiry window (the expiry asked,
 * the dte_min/dte_max given, else the profile's options days-to-expiry window), loads the whole
 * chain of that window through market/option-chain.ts and the underlying's quote, and hands them
 * to the pure builder (./build.ts).
 */
import { addDays, easternDate } from '../../broker/calendar.js';
import type { Broker, Quote } from '../../broker/types.js';
import type { Deps } from '../../deps.js';
import { ToolError } from '../../errors.js';
import type { ToolOutput } from '../../tool.js';
import { loadOptionChain } from '../option-chain.js';
import { buildIronCondor, describeCondor, type CondorRequest } from './build.js';
import { FALLBACK_DTE_WINDOW, type IronCondorInput, type IronCondorOutput } from './schema.js';

type Window = Pick<CondorRequest, 'window' | 'windowSource'>;

/** The expirations to search: one day for an expiry, else a DTE window counted from the broker's New York date. */
export function expiryWindow(input: IronCondorInput, today: string, profileWindow: { min: number; max: number } | null): Window {
  if (input.expiry !== undefined) {
    if (input.expiry < today)
      throw new ToolError('INVALID_INPUT', `expiry ${input.expiry} is in the past (today is ${today} in New York)`, { field: 'expiry', today });
    return { window: { gte: input.expiry, lte: input.expiry }, windowSource: 'expiry' };
  }
  const given = input.dte_min !== undefined && input.dte_max !== undefined ? { min: input.dte_min, max: input.dte_max } : null;
  const dte = given ?? profileWindow ?? FALLBACK_DTE_WINDOW;
  return { window: { gte: addDays(today, dte.min), lte: addDays(today, dte.max) }, windowSource: given ? 'dte' : 'profile' };
}

/** The quote's mid, or null when the broker has none for the symbol (only a missing delta needs it). */
async function spotOf(broker: Broker, symbol: string): Promise<number | null> {
  let q: Quote;
  try {
    q = await broker.getLatestQuote(symbol);
  } catch (err) {
    if (err instanceof ToolError && (err.code === 'NOT_FOUND' || err.code === 'BROKER_REJECTED')) return null;
    throw err;
  }
  const bid = q.bidPrice > 0 ? q.bidPrice : null;
  const ask = q.askPrice > 0 ? q.askPrice : null;
  if (bid !== null && ask !== null) return ask >= bid ? Math.round(((bid + ask) / 2) * 10_000) / 10_000 : null;
  return bid ?? ask;
}

export async function loadIronCondor(deps: Deps, input: IronCondorInput): Promise<ToolOutput<IronCondorOutput>> {
  const { getBroker } = await import('../../broker/index.js');
  const broker = await getBroker(deps);
  const clock = await broker.getClock();
  const clockMs = Date.parse(clock.timestamp);
  if (!Number.isFinite(clockMs)) throw new ToolError('BROKER_UNAVAILABLE', `the broker's clock sent no usable time (${clock.timestamp})`, {});
  const today = easternDate(clockMs);
  const risk = deps.profile.risk;
  const { window, windowSource } = expiryWindow(input, today, { min: risk.minDaysToExpiry, max: risk.maxDaysToExpiry });
  const [chain, spot] = await Promise.all([
    loadOptionChain(broker, { underlying: input.underlying, expirationGte: window.gte, expirationLte: window.lte }),
    spotOf(broker, input.underlying),
  ]);
  const condor = buildIronCondor(
    chain,
    { expiry: input.expiry ?? null, window, windowSource, today, clockMs, spot, shortDelta: input.short_delta, wingWidth: input.wing_width, qty: input.qty },
    { mode: broker.mode, broker: broker.name },
  );
  return { structured: condor, text: describeCondor(condor) };
}
