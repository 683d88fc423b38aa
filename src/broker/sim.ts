/**
 * The simulated broker: the embedded default when no Alpaca keys are set.
 *
 * Durable in `<dataDir>/sim-broker.sqlite` (WAL, synchronous=FULL). Every order, fill and cash
 * movement is written in one IMMEDIATE transaction, so a kill -9 loses nothing and several
 * server processes on one data dir never double-fill. Resting orders are evaluated against the
 * simulated tape on every broker call, by sim time (TRADING_MCP_SIM_CLOCK, else real time).
 *
 * Account model: a cash account (no margin, no equity shorting). Buying power = cash minus what
 * open buy orders reserve. Options trade only inside defined-risk multi-leg orders.
 *
 * The modules under sim/: db.ts (schema, rows, shared state), order-rows.ts (rows ↔ BrokerOrder),
 * orders.ts (equity submit, cancel), mleg.ts (multi-leg options), fills.ts, ledger.ts (cash,
 * reservations, positions, account), sweep.ts (resting orders meet the tape), broker.ts; the tape
 * itself is market.ts, path.ts, chain.ts and options.ts.
 */
export { createSimBroker, openSimBroker, SimBroker, type SimBrokerOptions } from './sim/broker.js';
export { openSimDatabase } from './sim/db.js';
