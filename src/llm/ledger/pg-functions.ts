/**
 * The ledger's one-statement operations (migration ledger v2, src/llm/ledger/postgres.ts): each runs as a
 * single statement, so it is its own transaction and holds the period rows' locks for microseconds, not
 * for round trips to the client.
 *
 * - ledger_totals(view, since): the committed totals of the view's periods (0 for a missing row) and,
 *   when `since` is given, the critical confirmations since then. No lock.
 * - ledger_reserve(lock, lo, hi, view, since, max_confirmations, amount, row…): locks the reservation's
 *   period rows in period order, and inserts the reservation and bumps them only when every locked total
 *   is within [lo, hi] (null: unbounded) and the confirmations are at most max (null: unchecked). The
 *   bounds are where the client's decision stays the decision (src/llm/ledger/bounds.ts). Returns the new
 *   row's id (null when a bound failed) and the totals and confirmations it read under the lock.
 * - ledger_settle / ledger_release: the call row leaves `reserved` (once, under its row lock); only
 *   then the periods it was reserved in are locked in period order and moved by the difference.
 */
/** The row every critical reservation locks for the hourly confirmation count (no day: an hour may span two). */
export const CONFIRMATIONS_ROW = 'critical-confirmations';

export const LEDGER_FUNCTIONS_SQL = `
CREATE FUNCTION ledger_totals(p_view text[], p_since bigint, OUT totals bigint[], OUT confirmations integer)
LANGUAGE plpgsql STABLE AS $fn$
BEGIN
  totals := ARRAY(SELECT COALESCE((SELECT t.committed_nano FROM llm_totals t WHERE t.period = v.period), 0)
                    FROM unnest(p_view) WITH ORDINALITY AS v(period, ord) ORDER BY v.ord);
  confirmations := 0;
  IF p_since IS NOT NULL THEN
    SELECT COUNT(DISTINCT c.call_id)::integer INTO confirmations FROM llm_calls c
     WHERE c.tier = 'critical' AND c.at_ms >= p_since AND c.state <> 'refused';
  END IF;
END
$fn$;

-- the rows of p_periods locked in period order (every caller locks in this order: no deadlock), with their totals
CREATE FUNCTION ledger_lock(p_periods text[], OUT periods text[], OUT committed bigint[])
LANGUAGE plpgsql AS $fn$
BEGIN
  SELECT array_agg(l.period ORDER BY l.period), array_agg(l.committed_nano ORDER BY l.period) INTO periods, committed
    FROM (SELECT t.period, t.committed_nano FROM llm_totals t WHERE t.period = ANY(p_periods) ORDER BY t.period FOR UPDATE) l;
  IF COALESCE(cardinality(periods), 0) <> cardinality(p_periods) THEN
    RAISE EXCEPTION 'ledger period rows missing: %', p_periods USING ERRCODE = 'P0002';
  END IF;
END
$fn$;

CREATE FUNCTION ledger_reserve(
  p_lock text[], p_lo bigint[], p_hi bigint[], p_view text[], p_since bigint, p_max_confirmations integer, p_amount bigint,
  p_call_id text, p_attempt integer, p_at text, p_at_ms bigint, p_day text, p_month text, p_tool text, p_tier text,
  p_model text, p_route text, p_step integer, p_pid integer, p_provider text,
  OUT id bigint, OUT totals bigint[], OUT confirmations integer)
LANGUAGE plpgsql AS $fn$
DECLARE
  new_id bigint;
  l record;
  ok boolean := true;
  n integer;
  j integer;
BEGIN
  -- the row first, before any lock (no other transaction sees it before the commit): the locks are held
  -- for the check and the bump only
  INSERT INTO llm_calls (call_id, attempt, at, at_ms, day, month, tool, tier, model_requested, route, downgrade_step,
                         state, reserved_nano, cost_nano, outcome, error, pid, provider)
  VALUES (p_call_id, p_attempt, p_at, p_at_ms, p_day, p_month, p_tool, p_tier, p_model, p_route, p_step,
          'reserved', p_amount, 0, 'pending', NULL, p_pid, p_provider)
  RETURNING llm_calls.id INTO new_id;
  l := ledger_lock(p_lock);
  FOR i IN 1 .. cardinality(p_lock) LOOP
    j := array_position(l.periods, p_lock[i]);
    IF (p_lo[i] IS NOT NULL AND l.committed[j] < p_lo[i]) OR (p_hi[i] IS NOT NULL AND l.committed[j] > p_hi[i]) THEN ok := false; END IF;
  END LOOP;
  IF ok AND p_max_confirmations IS NOT NULL THEN
    SELECT COUNT(DISTINCT c.call_id)::integer INTO n FROM llm_calls c
     WHERE c.tier = 'critical' AND c.at_ms >= p_since AND c.state <> 'refused' AND c.id <> new_id;
    ok := n <= p_max_confirmations;
  END IF;
  IF NOT ok THEN
    DELETE FROM llm_calls WHERE llm_calls.id = new_id;
    SELECT x.totals, x.confirmations INTO totals, confirmations FROM ledger_totals(p_view, p_since) x;
    RETURN;
  END IF;
  UPDATE llm_totals SET committed_nano = committed_nano + p_amount WHERE period = ANY(p_lock);
  id := new_id;
END
$fn$;

-- move a call row's periods by delta, locked in period order; their totals after
CREATE FUNCTION ledger_bump(p_day text, p_month text, p_tier text, p_delta bigint) RETURNS TABLE (period text, committed bigint)
LANGUAGE plpgsql AS $fn$
DECLARE ps text[] := ARRAY['day:' || p_day, 'month:' || p_month] || CASE WHEN p_tier = 'critical' THEN ARRAY['critical-day:' || p_day] ELSE '{}'::text[] END;
BEGIN
  PERFORM ledger_lock(ps);
  RETURN QUERY UPDATE llm_totals t SET committed_nano = t.committed_nano + p_delta WHERE t.period = ANY(ps) RETURNING t.period, t.committed_nano;
END
$fn$;

-- the totals of p_view after: read before the call row's lock, then the moved periods as they are after the move
CREATE FUNCTION ledger_settle(
  p_id bigint, p_model_served text, p_cost bigint, p_input bigint, p_cached bigint, p_output bigint, p_reasoning bigint,
  p_latency integer, p_outcome text, p_error text, p_anomaly text, p_view text[]) RETURNS bigint[]
LANGUAGE plpgsql AS $fn$
DECLARE
  r record;
  b record;
  totals bigint[] := (SELECT x.totals FROM ledger_totals(p_view, NULL) x);
BEGIN
  UPDATE llm_calls SET state = 'settled', model_served = p_model_served, cost_nano = p_cost, input_tokens = p_input,
         cached_tokens = p_cached, output_tokens = p_output, reasoning_tokens = p_reasoning, latency_ms = p_latency,
         outcome = p_outcome, error = p_error, usage_anomaly = p_anomaly
   WHERE llm_calls.id = p_id AND state = 'reserved' RETURNING day, month, tier, reserved_nano INTO r;
  IF FOUND AND p_cost <> r.reserved_nano THEN
    FOR b IN SELECT * FROM ledger_bump(r.day, r.month, r.tier, p_cost - r.reserved_nano) LOOP
      IF array_position(p_view, b.period) IS NOT NULL THEN totals[array_position(p_view, b.period)] := b.committed; END IF;
    END LOOP;
  END IF;
  RETURN totals;
END
$fn$;

CREATE FUNCTION ledger_release(p_id bigint, p_model_served text, p_latency integer, p_outcome text, p_error text) RETURNS boolean
LANGUAGE plpgsql AS $fn$
DECLARE r record;
BEGIN
  UPDATE llm_calls SET state = 'released', model_served = p_model_served, latency_ms = p_latency, outcome = p_outcome, error = p_error
   WHERE llm_calls.id = p_id AND state = 'reserved' RETURNING day, month, tier, reserved_nano INTO r;
  IF NOT FOUND THEN RETURN false; END IF;
  IF r.reserved_nano <> 0 THEN PERFORM ledger_bump(r.day, r.month, r.tier, -r.reserved_nano); END IF;
  RETURN true;
END
$fn$;
`;

/**
 * Migration ledger v3: the critical tier's hourly confirmation count is checked under one row,
 * `critical-confirmations`, not the reservation's `critical-day:` row. An hour straddling New York's
 * midnight (a day, and on the last day a month) spans two day rows: two replicas on either side of it
 * locked different rows, and both could take the last confirmation of the hour.
 */
export const LEDGER_CONFIRMATIONS_SQL = `
INSERT INTO llm_totals (period, committed_nano) VALUES ('${CONFIRMATIONS_ROW}', 0) ON CONFLICT (period) DO NOTHING;

CREATE OR REPLACE FUNCTION ledger_reserve(
  p_lock text[], p_lo bigint[], p_hi bigint[], p_view text[], p_since bigint, p_max_confirmations integer, p_amount bigint,
  p_call_id text, p_attempt integer, p_at text, p_at_ms bigint, p_day text, p_month text, p_tool text, p_tier text,
  p_model text, p_route text, p_step integer, p_pid integer, p_provider text,
  OUT id bigint, OUT totals bigint[], OUT confirmations integer)
LANGUAGE plpgsql AS $fn$
DECLARE
  new_id bigint;
  l record;
  ok boolean := true;
  n integer;
  j integer;
BEGIN
  -- the row first, before any lock (no other transaction sees it before the commit): the locks are held
  -- for the check and the bump only
  INSERT INTO llm_calls (call_id, attempt, at, at_ms, day, month, tool, tier, model_requested, route, downgrade_step,
                         state, reserved_nano, cost_nano, outcome, error, pid, provider)
  VALUES (p_call_id, p_attempt, p_at, p_at_ms, p_day, p_month, p_tool, p_tier, p_model, p_route, p_step,
          'reserved', p_amount, 0, 'pending', NULL, p_pid, p_provider)
  RETURNING llm_calls.id INTO new_id;
  -- a critical call's hourly count is taken under the one confirmations row, whatever the day or month
  -- (it sorts before every dated row: the period order holds)
  IF p_max_confirmations IS NOT NULL THEN
    PERFORM 1 FROM llm_totals t WHERE t.period = '${CONFIRMATIONS_ROW}' FOR UPDATE;
    IF NOT FOUND THEN RAISE EXCEPTION 'ledger period rows missing: ${CONFIRMATIONS_ROW}' USING ERRCODE = 'P0002'; END IF;
  END IF;
  l := ledger_lock(p_lock);
  FOR i IN 1 .. cardinality(p_lock) LOOP
    j := array_position(l.periods, p_lock[i]);
    IF (p_lo[i] IS NOT NULL AND l.committed[j] < p_lo[i]) OR (p_hi[i] IS NOT NULL AND l.committed[j] > p_hi[i]) THEN ok := false; END IF;
  END LOOP;
  IF ok AND p_max_confirmations IS NOT NULL THEN
    SELECT COUNT(DISTINCT c.call_id)::integer INTO n FROM llm_calls c
     WHERE c.tier = 'critical' AND c.at_ms >= p_since AND c.state <> 'refused' AND c.id <> new_id;
    ok := n <= p_max_confirmations;
  END IF;
  IF NOT ok THEN
    DELETE FROM llm_calls WHERE llm_calls.id = new_id;
    SELECT x.totals, x.confirmations INTO totals, confirmations FROM ledger_totals(p_view, p_since) x;
    RETURN;
  END IF;
  UPDATE llm_totals SET committed_nano = committed_nano + p_amount WHERE period = ANY(p_lock);
  id := new_id;
END
$fn$;
`;
