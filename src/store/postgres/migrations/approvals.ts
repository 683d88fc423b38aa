/** The dashboard approvals' schema on PostgreSQL (src/execution/approvals/postgres.ts): the same rows as approvals.sqlite. */
import type { Migration } from '../migrations.js';

export const component = 'approvals';

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'approval requests',
    sql: `
      CREATE TABLE approvals (
        seq bigserial UNIQUE,
        id text PRIMARY KEY,
        order_hash text NOT NULL,
        audit_id text NOT NULL,
        created_at text NOT NULL,
        expires_at text NOT NULL,
        summary jsonb NOT NULL,
        status text NOT NULL CHECK (status IN ('pending','approved','declined','expired','used')),
        decided_at text
      );
      CREATE INDEX approvals_status ON approvals (status, created_at);`,
  },
];
