/**
 * The column layout of the matching state (books.ts): a lot and a group are indices into typed
 * arrays with fixed strides, the field offsets named here.
 */

/** Lot columns: lotNum [nanos, cash, fee] (micro-dollars: what is left of the opening fill's), lotInt [fill, group, position, flags]. */
export const LN = 3;
export const L_NANOS = 0;
export const L_CASH = 1;
export const L_FEE = 2;
export const LI = 4;
export const L_FILL = 0;
export const L_GROUP = 1;
export const L_POSITION = 2;
export const L_FLAGS = 3;
/** Lot and group flags: opened by a sell; fee known (lot) / a fee unknown (group); a leg (group). */
export const SHORT = 1;
export const LOT_FEE_KNOWN = 2;
export const FEES_INCOMPLETE = 2;
export const IS_LEG = 4;

/** Group columns: gNum (nanos and micro-dollars), gInt (fill indices, flags, list heads, tails and lengths). */
export const GN = 8;
export const G_OPENED = 0;
export const G_OPEN = 1;
export const G_CLOSED = 2;
export const G_OPEN_CASH = 3;
export const G_EXIT_CASH = 4;
export const G_PNL = 5;
export const G_FEES = 6;
export const G_CLOSED_AT = 7;
export const GI = 9;
export const G_OPENING = 0;
export const G_LAST_FILL = 1;
export const G_FLAGS = 2;
export const G_FILL_HEAD = 3;
export const G_FILL_TAIL = 4;
export const G_FILL_COUNT = 5;
export const G_ORDER_HEAD = 6;
export const G_ORDER_TAIL = 7;
export const G_ORDER_COUNT = 8;

/** One symbol's open lots in FIFO order (`head` is the oldest still open). */
export interface Book {
  lots: number[];
  head: number;
}
