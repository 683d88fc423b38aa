/**
 * The statements of the PostgreSQL routing statistics (postgres.ts; schema in
 * src/store/postgres/migrations/routing.ts). Every write draws its seq from the counter row in the same
 * statement (one implicit transaction): the row lock, held to the commit, makes seq order commit order.
 */

const COLUMNS = `o.seq, o.at_ms, o.call_id, o.tier, o.model, o.outcome, o.valid, o.latency_ms, o.input_tokens, o.cached_tokens,
  o.output_tokens, o.cost_nano, CASE WHEN o.outcome = 'ok' THEN a.agreed END AS agreed`;
const FROM = 'routing_observations o LEFT JOIN routing_agreements a ON a.call_id = o.call_id';

export const INSERT_OBSERVATION = `WITH c AS (UPDATE routing_counter SET n = n + 1 WHERE id = 1 RETURNING n)
  INSERT INTO routing_observations (seq, replica, at_ms, call_id, tier, model, provider, outcome, valid, latency_ms, input_tokens,
    cached_tokens, output_tokens, cost_nano)
  SELECT c.n, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13 FROM c`;

/**
 * A batch of verdicts ($1 call ids, $2 verdicts; the last of a repeated call id wins) in one statement:
 * each lands only on a call whose answered attempt is recorded (by any replica), as an upsert that moves
 * the verdict to a fresh seq so every replica reads the change. Returns the call ids that landed.
 */
export const UPSERT_AGREEMENTS = `WITH v AS (
    SELECT DISTINCT ON (t.call_id) t.call_id, t.agreed FROM unnest($1::text[], $2::boolean[]) WITH ORDINALITY AS t(call_id, agreed, i)
    ORDER BY t.call_id, t.i DESC
  ), hit AS (
    SELECT v.call_id, v.agreed, row_number() OVER (ORDER BY v.call_id) AS k FROM v
    WHERE EXISTS (SELECT 1 FROM routing_observations o WHERE o.call_id = v.call_id AND o.outcome = 'ok')
  ), c AS (
    UPDATE routing_counter SET n = n + (SELECT count(*) FROM hit) WHERE id = 1 RETURNING n
  )
  INSERT INTO routing_agreements (call_id, seq, replica, agreed, at_ms)
  SELECT hit.call_id, c.n - (SELECT count(*) FROM hit) + hit.k, $3, hit.agreed, $4 FROM hit, c
  ON CONFLICT (call_id) DO UPDATE SET seq = EXCLUDED.seq, replica = EXCLUDED.replica, agreed = EXCLUDED.agreed, at_ms = EXCLUDED.at_ms
  RETURNING call_id, agreed`;

export const COUNTER = 'SELECT n FROM routing_counter WHERE id = 1';

/** Each arm's latest $1 observations, oldest first. */
export const LATEST = `SELECT * FROM (SELECT ${COLUMNS}, row_number() OVER (PARTITION BY o.tier, o.model ORDER BY o.seq DESC) AS rn FROM ${FROM}) x
  WHERE rn <= $1 ORDER BY seq`;

/** Other replicas' observations after seq $1 ($2: this replica), a page of $3. */
export const OBSERVATIONS_SINCE = `SELECT ${COLUMNS} FROM ${FROM} WHERE o.seq > $1 AND o.replica <> $2 ORDER BY o.seq LIMIT $3`;

export const AGREEMENTS_SINCE = 'SELECT seq, call_id, agreed FROM routing_agreements WHERE seq > $1 ORDER BY seq LIMIT $2';

/** Per tier × model: the totals, and the latency quantiles (nearest rank: percentile_disc) of the latest $1 answered attempts. */
export const SUMMARY = `WITH s AS (
    SELECT o.tier, o.model, COUNT(*) AS calls, COUNT(*) FILTER (WHERE o.outcome = 'failed') AS failed,
      COUNT(o.valid) AS valid_n, COUNT(*) FILTER (WHERE o.valid) AS valid_ok,
      COUNT(a.agreed) FILTER (WHERE o.outcome = 'ok') AS agree_n, COUNT(*) FILTER (WHERE o.outcome = 'ok' AND a.agreed) AS agree_ok,
      AVG(o.cost_nano) FILTER (WHERE o.outcome = 'ok') AS mean_cost, MAX(o.at_ms) AS last_at
    FROM ${FROM} GROUP BY o.tier, o.model
  ), lat AS (
    SELECT tier, model, percentile_disc(0.5) WITHIN GROUP (ORDER BY latency_ms) AS p50,
      percentile_disc(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95
    FROM (SELECT tier, model, latency_ms, row_number() OVER (PARTITION BY tier, model ORDER BY seq DESC) AS rn
          FROM routing_observations WHERE outcome = 'ok') r
    WHERE rn <= $1 GROUP BY tier, model
  )
  SELECT s.*, lat.p50, lat.p95 FROM s LEFT JOIN lat USING (tier, model)
  ORDER BY s.tier COLLATE "C", s.calls DESC, s.model COLLATE "C"`;
