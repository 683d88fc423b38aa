/**
 * close_position resolved into an order: the held position (read from the broker now) is closed in
 * full, by `qty`, or by `percentage`, with a market order (or a limit, when `limit_price` is given)
 * on the opposite side. The order goes through the whole gate: risk (kill switch, rate, close-only),
 * Opus, human. Sent as an ordinary order under our client_order_id (Alpaca's DELETE /positions
 * takes none, so an answer in doubt could not be looked up), never as a blind "close all".
 */
import { z } from 'zod';
import type { Position } from '../../broker/types.js';
import { isQtyMultiple, QTY_DECIMALS } from '../../orders/quantity.js';
import { CLIENT_ORDER_ID, EQUITY_SYMBOL, OCC_SYMBOL } from '../../orders/symbols.js';
import { Refusal } from '../attempt.js';
import { brokerText, type ResolvedAction } from './types.js';

export const ClosePositionInputSchema = z
  .strictObject({
    symbol: z
      .string()
      .refine((v) => EQUITY_SYMBOL.test(v) || OCC_SYMBOL.test(v), 'symbol must be an equity ticker such as AAPL or an OCC option symbol')
      .describe('the held position to close (equity ticker or OCC option symbol)'),
    qty: z.number().positive('qty must be greater than zero').finite().optional().describe('how much to close (shares or contracts); default all'),
    percentage: z
      .number()
      .positive('percentage must be greater than zero')
      .max(100, 'percentage is at most 100')
      .finite()
      .optional()
      .describe('how much to close, in percent of the position'),
    limit_price: z
      .number()
      .positive('limit_price must be greater than zero')
      .finite()
      .max(1_000_000)
      .optional()
      .describe('close with a limit order at this price'),
    client_order_id: z.string().regex(CLIENT_ORDER_ID, 'client_order_id must be 1–48 characters of letters, digits, . _ : -').optional(),
    rationale: z.string().max(4000, 'rationale is limited to 4000 characters').optional(),
    council_ticket: z.string().min(1).max(2048).optional().describe('the council_vote ticket for the closing order (when the profile requires one)'),
  })
  .superRefine((o, ctx) => {
    if (o.qty !== undefined && o.percentage !== undefined)
      ctx.addIssue({ code: 'custom', message: 'give qty or percentage, never both', path: ['percentage'] });
  });
export type ClosePositionInput = z.output<typeof ClosePositionInputSchema>;

/** Round a share quantity down to the broker's precision (a close never sells more than asked). */
function floorQty(qty: number, whole: boolean): number {
  if (whole) return Math.floor(qty + 1e-9);
  const step = 10 ** QTY_DECIMALS;
  return Math.floor(qty * step + 1e-6) / step;
}

/** How much to close: all, the given qty, or the percentage rounded down. */
function closeQty(input: ClosePositionInput, held: number, isOption: boolean): number {
  if (input.qty !== undefined) return input.qty;
  const qty = input.percentage === undefined ? held : floorQty((held * input.percentage) / 100, isOption);
  if (!(qty > 0) || (!isOption && !isQtyMultiple(qty)))
    throw new Refusal('INVALID_INPUT', `${input.percentage}% of ${held} rounds to nothing to close; give a larger percentage or a qty`);
  return qty;
}

/** The position and the order input that closes it; NOT_FOUND when nothing is held. */
export function resolveClose(input: ClosePositionInput, positions: Position[]): { orderInput: Record<string, unknown>; action: ResolvedAction } {
  const position = positions.find((p) => p.symbol === input.symbol && p.qty !== 0);
  if (!position) throw new Refusal('NOT_FOUND', `the account holds no position in ${input.symbol}; there is nothing to close`);
  const isOption = OCC_SYMBOL.test(position.symbol);
  const held = Math.abs(position.qty);
  const long = position.qty > 0;
  const qty = closeQty(input, held, isOption);
  const orderInput: Record<string, unknown> = {
    symbol: position.symbol,
    side: long ? 'sell' : 'buy',
    qty,
    type: input.limit_price === undefined ? 'market' : 'limit',
    time_in_force: 'day',
    ...(input.limit_price === undefined ? {} : { limit_price: input.limit_price }),
    ...(isOption ? { position_intent: long ? 'sell_to_close' : 'buy_to_close' } : {}),
    ...(input.client_order_id === undefined ? {} : { client_order_id: input.client_order_id }),
    ...(input.rationale === undefined ? {} : { rationale: input.rationale }),
  };
  const unit = isOption ? 'contracts' : 'shares';
  const summary = `CLOSES ${qty} of the ${long ? 'long' : 'short'} position of ${held} ${unit} ${brokerText(position.symbol)} (avg entry $${position.avgEntryPrice}, now $${position.currentPrice}): ${long ? 'sells' : 'buys'} ${qty} ${input.limit_price === undefined ? 'at market' : `limit $${input.limit_price}`}`;
  return { orderInput, action: { kind: 'close', position, summary } };
}
