/**
 * The Alpaca broker, through @alpacahq/alpaca-trade-api 4.0's raw API classes (the main client
 * has no base-URL option): trading and data Configurations carry APCA_API_BASE_URL /
 * APCA_API_DATA_URL as basePath. We call the SDK's `*Raw` methods and validate the wire JSON
 * ourselves with zod (Alpaca sends numbers as strings), so nothing unvalidated is used.
 *
 * Failure surface (details always carry `status` (HTTP status or null) and, when Alpaca sent
 * one, `alpacaCode`; `possiblyReachedBroker` tells the gate whether to reconcile by client_order_id):
 *   401                         → BROKER_UNAVAILABLE reason 'unauthorized' (keys do not work)
 *   403 (buying power, PDT…)    → BROKER_REJECTED with Alpaca's message; "insufficient buying power"
 *                                 → reason 'insufficient_buying_power', any other → 'forbidden'
 *   403 on data for a feed the  → BROKER_REJECTED reason 'data_plan', naming the variable that picks
 *       plan does not cover       the feed (alpaca-feed.ts); every data call sends its feed
 *   400/422 (validation)        → BROKER_REJECTED; a reused client_order_id → reason 'duplicate_client_order_id';
 *                                 a PATCH (replace) refused with code 42210000 → reason 'not_replaceable'
 *   404                         → null from getOrder/getOrderByClientId; NOT_FOUND elsewhere
 *   429                         → waits for Retry-After / X-RateLimit-Reset while the wait fits the
 *                                 bound (RATE_LIMIT_WAIT_MS in total), then BROKER_UNAVAILABLE reason 'rate_limited'
 *   5xx                         → BROKER_UNAVAILABLE reason 'server_error' (possiblyReachedBroker for POST/DELETE)
 *   timeout / reset / refused   → BROKER_UNAVAILABLE reason 'timeout' | 'connection_reset' | 'connection_refused'
 *   a body that fails validation→ BROKER_UNAVAILABLE reason 'invalid_response'
 * A local token bucket (the SDK's own RateLimiter, 190/min per host) keeps us under Alpaca's 200/min.
 * The SDK's automatic retry is off: POSTs must never be replayed, and 429 is handled here.
 *
 * The modules under alpaca/: wire.ts (schemas), map.ts (wire ↔ broker types), call.ts + errors.ts
 * (the SDK call wrapper and the failure table above), client.ts (API classes, feeds), account.ts,
 * orders.ts, market-data.ts, option-chain.ts, broker.ts (the Broker delegating to them).
 */
export { AlpacaBroker, createAlpacaBroker, LOCAL_RATE_LIMIT_PER_MIN, openAlpacaBroker, RATE_LIMIT_WAIT_MS, type AlpacaBrokerOptions } from './alpaca/broker.js';
export { mapStatus } from './alpaca/map.js';
