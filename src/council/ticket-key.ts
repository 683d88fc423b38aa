/**
 * The key council tickets are signed with, on SQLite: 32 random bytes in `<dataDir>/council-ticket.key`
 * (0600), created on first use and shared by every server process on the data dir (created by link(), so
 * two processes racing to create it agree on one key). On PostgreSQL the key is one shared row instead
 * (council/store/postgres.ts), so a ticket issued by any replica verifies on every other.
 *
 * @example const key = loadOrCreateTicketKey(deps.dataDir);
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ToolError } from '../errors.js';

export const TICKET_KEY_FILE = 'council-ticket.key';
export const HEX64 = /^[0-9a-f]{64}$/;

/** Read the data dir's ticket key, creating it (0600) on first use. */
export function loadOrCreateTicketKey(dataDir: string): Buffer {
  const path = join(dataDir, TICKET_KEY_FILE);
  const read = (): Buffer | null => {
    let text: string;
    try {
      text = readFileSync(path, 'utf8').trim();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    if (!HEX64.test(text))
      throw new ToolError('INTERNAL', `the council ticket key ${path} is malformed; remove it to create a new one (outstanding tickets become invalid)`);
    return Buffer.from(text, 'hex');
  };
  const existing = read();
  if (existing) return existing;
  // Write the whole key to a private temp file, then link it into place: link() fails if another
  // process got there first, and a reader never sees a half-written key.
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, `${randomBytes(32).toString('hex')}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    unlinkSync(tmp);
  }
  const key = read();
  if (!key) throw new ToolError('INTERNAL', `could not create the council ticket key ${path}`);
  return key;
}
