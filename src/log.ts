/**
 * JSON-lines logger on stderr. stdout carries the MCP protocol on stdio, so nothing here
 * (or anywhere in src/) may write to it. Secrets are redacted by key name before writing.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const SECRET_KEY = /(key|secret|token|authorization|password)/i;

export interface LogSink {
  /** Whether a line at this level is wanted now; asked before any line is formatted. */
  wants(level: LogLevel): boolean;
  write(level: LogLevel, msg: string, fields: Record<string, unknown>): void;
}

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
  /** Extra sinks (e.g. MCP logging notifications) receive the lines they want, whatever the stderr level. */
  addSink(sink: LogSink): () => void;
}

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_KEY.test(k) && typeof v === 'string' && v.length > 0 ? '[redacted]' : redact(v, depth + 1);
  }
  return out;
}

export function createLogger(
  level: LogLevel = 'info',
  base: Record<string, unknown> = {},
  write: (line: string) => void = (line) => process.stderr.write(line),
  sinks: Set<LogSink> = new Set(),
): Logger {
  const emit = (lvl: LogLevel, msg: string, fields: Record<string, unknown> = {}) => {
    // stderr honours the configured level; sinks (MCP clients that set their own level) say what they want.
    const toStderr = RANK[lvl] >= RANK[level];
    const listening = [...sinks].filter((sink) => sink.wants(lvl));
    if (!toStderr && listening.length === 0) return;
    const merged = redact({ ...base, ...fields }) as Record<string, unknown>;
    if (toStderr) write(JSON.stringify({ ts: new Date().toISOString(), level: lvl, msg, ...merged }) + '\n');
    for (const sink of listening) {
      try {
        sink.write(lvl, msg, merged);
      } catch {
        // a broken sink must never break logging
      }
    }
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger(level, { ...base, ...fields }, write, sinks),
    addSink: (sink) => {
      sinks.add(sink);
      return () => sinks.delete(sink);
    },
  };
}
