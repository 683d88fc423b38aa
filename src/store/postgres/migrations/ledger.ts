/** The LLM spend ledger's schema (src/llm/ledger/postgres.ts): the same rows as the SQLite ledger. */
import type { Migration } from '../migrations.js';
import { LEDGER_CONFIRMATIONS_SQL, LEDGER_FUNCTIONS_SQL } from '../../../llm/ledger/pg-functions.js';

export const component = 'ledger';

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'calls and per-period totals',
    sql: `
      CREATE TABLE llm_totals (period text PRIMARY KEY, committed_nano bigint NOT NULL);
      CREATE TABLE llm_calls (
        id bigserial PRIMARY KEY,
        call_id text NOT NULL, attempt integer NOT NULL, at text NOT NULL, at_ms bigint NOT NULL,
        day text NOT NULL, month text NOT NULL, tool text NOT NULL, tier text NOT NULL,
        model_requested text NOT NULL, model_served text, route text NOT NULL, downgrade_step integer NOT NULL,
        state text NOT NULL, reserved_nano bigint NOT NULL, cost_nano bigint NOT NULL DEFAULT 0,
        input_tokens bigint NOT NULL DEFAULT 0, cached_tokens bigint NOT NULL DEFAULT 0,
        output_tokens bigint NOT NULL DEFAULT 0, reasoning_tokens bigint NOT NULL DEFAULT 0,
        latency_ms integer, outcome text NOT NULL, error text, pid integer NOT NULL, usage_anomaly text,
        provider text NOT NULL DEFAULT 'gateway'
      );
      CREATE INDEX llm_calls_month ON llm_calls (month);
      CREATE INDEX llm_calls_call_id ON llm_calls (call_id);
      CREATE INDEX llm_calls_critical_at ON llm_calls (at_ms) WHERE tier = 'critical';
      CREATE INDEX llm_calls_reserved_at ON llm_calls (at_ms) WHERE state = 'reserved';`,
  },
  {
    version: 2,
    name: 'one-statement reserve, settle and release (functions)',
    sql: LEDGER_FUNCTIONS_SQL,
  },
  {
    version: 3,
    name: 'the hourly critical confirmations checked under one row',
    sql: LEDGER_CONFIRMATIONS_SQL,
  },
];
