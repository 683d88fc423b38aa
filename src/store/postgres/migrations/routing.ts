/**
 * The routing statistics on PostgreSQL (src/llm/stats/postgres.ts): one row per model attempt and one
 * council verdict per call, each stamped with `seq` drawn from the one counter row inside the writing
 * statement. The counter's row lock is held until that statement commits, so seq order is commit order:
 * a replica paging by `seq > cursor` never skips a row that commits late. `replica` names the writing
 * store, so a replica skips its own rows (it holds them already) whether or not its insert has answered.
 */
import type { Migration } from '../migrations.js';

export const component = 'routing';

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'observations, agreements and their commit-ordered counter',
    sql: `
      CREATE TABLE routing_counter (id integer PRIMARY KEY CHECK (id = 1), n bigint NOT NULL);
      INSERT INTO routing_counter (id, n) VALUES (1, 0);
      CREATE TABLE routing_observations (
        seq bigint PRIMARY KEY,
        replica text NOT NULL,
        at_ms bigint NOT NULL,
        call_id text NOT NULL,
        tier text NOT NULL,
        model text NOT NULL,
        provider text NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('ok', 'failed')),
        valid boolean,
        latency_ms double precision NOT NULL,
        input_tokens bigint NOT NULL,
        cached_tokens bigint NOT NULL,
        output_tokens bigint NOT NULL,
        cost_nano bigint NOT NULL
      );
      CREATE INDEX routing_observations_arm ON routing_observations (tier, model, seq);
      CREATE INDEX routing_observations_call ON routing_observations (call_id);
      CREATE TABLE routing_agreements (
        call_id text PRIMARY KEY,
        seq bigint NOT NULL UNIQUE,
        replica text NOT NULL,
        agreed boolean NOT NULL,
        at_ms bigint NOT NULL
      );`,
  },
];
