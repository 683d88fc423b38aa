/**
 * The simulated broker: the embedded default when no Alpaca keys are set.
 *
 * Durable in `<dataDir>/sim-broker.sqlite` (WAL, synchronous=FULL). Every order, fill and cash
 * movement is written in one IMMEDIATE transaction, so a kill -9 loses nothing and several
 * server processes on one data dir never double-fill. Resting orders are evaluated against the
 * simulated tape on every broker call, by sim time (TRADING_MCP_SIM_CLOCK, else real time).
 * A data dir written by an older sim is migrated in place when opened (db.ts `migrate`).
 *
 * Account model: a cash account (no margin, no equity shorting), options level 3. Buying power =
 * cash minus what open buy orders reserve and what short puts hold as collateral. Every order kind
 * fills on the tape: market, limit, stop, stop-limit, trailing stop; bracket, OCO and OTO exits;
 * single-leg options (covered or cash-secured when sold to open) and defined-risk multi-leg spreads;
 * an open order can be replaced (Alpaca's replace chain).
 *
 * The modules under sim/: db.ts (schema, migration, rows, shared state), order-rows.ts (rows ↔
 * BrokerOrder), orders.ts (equity submit, cancel), exits.ts (bracket / OCO / OTO groups),
 * options-single.ts (one-contract orders), mleg.ts (multi-leg options), replace.ts, fills.ts,
 * ledger.ts (cash, reservations, collateral, positions, account), sweep.ts (resting orders meet
 * the tape) with walk.ts and trail.ts, broker.ts; the tape itself is market.ts, path.ts, chain.ts
 * and options.ts.
 */
export { createSimBroker, openSimBroker, SimBroker, type SimBrokerOptions } from './sim/broker.js';
export { openSimDatabase } from './sim/db.js';
