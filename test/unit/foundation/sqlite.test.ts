/** openSqlite's statement cache: one prepared statement per SQL text, still right after a schema change. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqlite } from '../../../src/store/sqlite.js';

describe('openSqlite({ cacheStatements })', () => {
  it('hands back the same statement for the same SQL, and it reads what later writes and migrations left', async () => {
    const db = await openSqlite(join(mkdtempSync(join(tmpdir(), 'tars-sqlite-')), 'x.sqlite'), { synchronous: 'NORMAL', cacheStatements: true });
    try {
      db.exec('CREATE TABLE t (a INTEGER)');
      const read = 'SELECT * FROM t ORDER BY a';
      expect(db.prepare(read)).toBe(db.prepare(read));
      db.prepare('INSERT INTO t (a) VALUES (?)').run(1);
      db.prepare('INSERT INTO t (a) VALUES (?)').run(2);
      expect(db.prepare(read).all()).toEqual([{ a: 1 }, { a: 2 }]);
      db.exec('ALTER TABLE t ADD COLUMN b TEXT');
      expect(db.prepare(read).all()).toEqual([
        { a: 1, b: null },
        { a: 2, b: null },
      ]);
    } finally {
      db.close();
    }
  });

  it('prepares anew without the option', async () => {
    const db = await openSqlite(join(mkdtempSync(join(tmpdir(), 'tars-sqlite-')), 'y.sqlite'), { synchronous: 'NORMAL' });
    try {
      expect(db.prepare('SELECT 1')).not.toBe(db.prepare('SELECT 1'));
    } finally {
      db.close();
    }
  });
});
