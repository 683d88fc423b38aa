/**
 * The order journal: an append-only file of INTENT and OUTCOME records under the data dir.
 *
 * One record per line: `<sha256 of payload> <payload JSON>\n`, the payload carrying a sequence
 * number. INTENT is fsynced before the broker is called; OUTCOME after. On open, a torn last
 * record (a crash mid-write) is truncated away; a bad record anywhere else is corruption and
 * stops trading (JOURNAL_CORRUPT). Every read and append runs under the caller's inter-process
 * lock (a SQLite BEGIN IMMEDIATE transaction, see store.ts), so several server processes may
 * share one data dir.
 *
 * @example
 *   const journal = new OrderJournal(join(dataDir, 'order-journal.log'));
 *   withLock(() => journal.sync());                  // validates, truncates a torn tail
 *   withLock(() => journal.append({ type: 'INTENT', ... }));
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, writeSync, constants } from 'node:fs';
import { dirname } from 'node:path';
import { ToolError } from '../errors.js';
import type { OrderSubmission, TradingMode } from '../broker/types.js';

export interface IntentRecord {
  type: 'INTENT';
  at: string;
  pid: number;
  /** Read back from a shared store only (PostgreSQL): the owner's host; never written to the file journal. */
  host?: string;
  audit_id: string;
  client_order_id: string;
  order_hash: string;
  mode: TradingMode;
  order: OrderSubmission;
  /** A replace names the order it replaces (absent for a new order or a close). */
  replaces?: string;
}

export type OutcomeResult = 'submitted' | 'rejected' | 'unknown' | 'not_found';

export interface OutcomeRecord {
  type: 'OUTCOME';
  at: string;
  pid: number;
  audit_id: string;
  client_order_id: string;
  order_hash: string;
  result: OutcomeResult;
  broker_order_id: string | null;
  broker_status: string | null;
  code: string | null;
  message: string;
  /** True when the outcome came from looking the order up by client_order_id (timeout, restart). */
  reconciled: boolean;
}

export type JournalRecord = IntentRecord | OutcomeRecord;
export type JournalEntry = JournalRecord & { seq: number };

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** Encode one record as its journal line (exported for tests that forge corruption). */
export function encodeLine(entry: JournalEntry): string {
  const payload = JSON.stringify(entry);
  return `${sha256(payload)} ${payload}\n`;
}

function decodeLine(line: string): JournalEntry | null {
  const space = line.indexOf(' ');
  if (space !== 64) return null;
  const sum = line.slice(0, 64);
  const payload = line.slice(65);
  if (sha256(payload) !== sum) return null;
  try {
    const entry = JSON.parse(payload) as JournalEntry;
    if (typeof entry.seq !== 'number' || (entry.type !== 'INTENT' && entry.type !== 'OUTCOME') || typeof entry.client_order_id !== 'string') return null;
    return entry;
  } catch {
    return null;
  }
}

export class OrderJournal {
  private fd: number | null = null;
  /** Bytes of the file this process has validated. */
  private validatedBytes = 0;
  private lastSeq = 0;
  private corrupt: ToolError | null = null;
  /** INTENTs without an OUTCOME, by client_order_id. */
  private readonly pending = new Map<string, IntentRecord & { seq: number }>();
  private tornBytesDropped = 0;

  constructor(readonly path: string) {}

  /** Throws JOURNAL_CORRUPT once corruption has been seen: trading stays stopped until a human repairs the file. */
  assertHealthy(): void {
    if (this.corrupt) throw this.corrupt;
  }

  get sequence(): number {
    return this.lastSeq;
  }

  get droppedTornBytes(): number {
    return this.tornBytesDropped;
  }

  pendingIntents(): Array<IntentRecord & { seq: number }> {
    return [...this.pending.values()];
  }

  /**
   * Read what other processes appended since our last look and validate it. Caller holds the lock.
   * A torn tail (the last line, unterminated or failing its checksum) is truncated away.
   */
  sync(): void {
    this.assertHealthy();
    if (this.fd === null) {
      const existed = existsSync(this.path);
      this.fd = openSync(this.path, constants.O_RDWR | constants.O_APPEND | constants.O_CREAT, 0o600);
      if (!existed) fsyncDir(dirname(this.path));
    }
    const size = fstatSync(this.fd).size;
    if (size < this.validatedBytes) {
      // another process truncated a torn tail we had not seen as torn: start over
      this.validatedBytes = 0;
      this.lastSeq = 0;
      this.pending.clear();
    }
    if (size === this.validatedBytes) return;
    const length = size - this.validatedBytes;
    const buf = Buffer.alloc(length);
    let read = 0;
    while (read < length) {
      const n = readSync(this.fd, buf, read, length - read, this.validatedBytes + read);
      if (n === 0) break;
      read += n;
    }
    let offset = 0;
    while (offset < read) {
      const nl = buf.indexOf(0x0a, offset);
      const end = nl === -1 ? read : nl;
      const line = buf.subarray(offset, end).toString('utf8');
      const isLast = nl === -1 || nl + 1 >= read;
      const entry = nl === -1 ? null : decodeLine(line);
      if (!entry || entry.seq !== this.lastSeq + 1) {
        if (isLast) {
          // torn last record: a crash mid-append. Nothing was sent to the broker on its account
          // (the broker call waits for the INTENT's fsync), so dropping it is safe.
          ftruncateSync(this.fd, this.validatedBytes + offset);
          fsyncSync(this.fd);
          this.tornBytesDropped += read - offset;
          break;
        }
        this.corrupt = new ToolError(
          'JOURNAL_CORRUPT',
          `the order journal ${this.path} is corrupt at byte ${this.validatedBytes + offset} (record after seq ${this.lastSeq}); trading is stopped until it is repaired or moved aside`,
          { path: this.path, byte: this.validatedBytes + offset, afterSeq: this.lastSeq },
        );
        throw this.corrupt;
      }
      this.lastSeq = entry.seq;
      if (entry.type === 'INTENT') {
        this.pending.set(entry.client_order_id, entry);
      } else {
        this.pending.delete(entry.client_order_id);
      }
      offset = end + 1;
    }
    this.validatedBytes += Math.min(offset, read);
  }

  /** Append one record and fsync it. Caller holds the lock. Returns the record with its sequence number. */
  append(record: JournalRecord): JournalEntry {
    this.sync();
    const entry = { ...record, seq: this.lastSeq + 1 } as JournalEntry;
    const line = Buffer.from(encodeLine(entry), 'utf8');
    const fd = this.fd!;
    let written = 0;
    while (written < line.length) written += writeSync(fd, line, written, line.length - written);
    fsyncSync(fd);
    this.validatedBytes += line.length;
    this.lastSeq = entry.seq;
    if (entry.type === 'INTENT') this.pending.set(entry.client_order_id, entry);
    else this.pending.delete(entry.client_order_id);
    return entry;
  }

  close(): void {
    if (this.fd !== null) {
      closeSync(this.fd);
      this.fd = null;
    }
  }
}

function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // some filesystems refuse fsync on a directory; the file's own fsync still holds
  }
}

/** Every record of a journal file, validated (for tests, the status command and the audit). */
export function readJournal(path: string): JournalEntry[] {
  if (!existsSync(path)) return [];
  const entries: JournalEntry[] = [];
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const buf = Buffer.alloc(size);
    readSync(fd, buf, 0, size, 0);
    for (const line of buf.toString('utf8').split('\n')) {
      if (!line) continue;
      const entry = decodeLine(line);
      if (entry) entries.push(entry);
    }
  } finally {
    closeSync(fd);
  }
  return entries;
}
