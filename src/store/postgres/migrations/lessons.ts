/**
 * The lessons' rows (src/lessons/shared/postgres.ts): recorded lessons and the user's lesson texts
 * (drafts from losing trades and their promotion), each stamped with a change counter `seq` that every
 * write moves; replicas catch their LanceDB caches up from `seq > cursor`. Draft claims, one per draft id.
 */
import type { Migration } from '../migrations.js';

export const component = 'lessons';

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'lesson rows, change counter and draft claims',
    sql: `
      CREATE SEQUENCE lesson_seq;
      CREATE TABLE lesson_rows (
        id text PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('recorded', 'text')),
        seq bigint NOT NULL DEFAULT nextval('lesson_seq'),
        title text NOT NULL, body text NOT NULL, prevention text NOT NULL,
        severity text NOT NULL, tags text[] NOT NULL, created_ms bigint NOT NULL,
        source text NOT NULL, content_hash text NOT NULL,
        markdown text, draft boolean NOT NULL DEFAULT false, promoted_at timestamptz,
        round_trip_id text, written_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX lesson_rows_recorded_hash ON lesson_rows (content_hash) WHERE kind = 'recorded';
      CREATE UNIQUE INDEX lesson_rows_seq ON lesson_rows (seq);
      CREATE TABLE lesson_draft_claims (
        id text PRIMARY KEY, round_trip_id text NOT NULL,
        state text NOT NULL CHECK (state IN ('pending', 'written')), at_ms bigint NOT NULL, owner text NOT NULL
      );`,
  },
];
