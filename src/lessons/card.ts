/**
 * A lesson row's candidate card: everything a search reads per candidate — id, severity, created
 * time, text hash and the packed piece vectors (pieces.ts) — in ONE binary cell. LanceDB reads a
 * taken row column by column, each at its own cost: at 100k rows a take of 60 rows by row id cost
 * 4.2 ms p50 for the five columns this replaces (id, severity_rank, created, text_hash, pieces) and
 * 1.4 ms for the pieces alone (bench/lessons.ts: a search whose candidates the cache lacks takes
 * them). The table keeps its plain columns for filters, SQL and the text; the card duplicates only
 * the short ones.
 *
 * Layout (little-endian): u8 layout version (1), u8 severity rank, f64 created (ms), 32 bytes
 * SHA-256 text hash, u16 id length in bytes, the id in UTF-8, then the pieces (possibly none).
 *
 * @example
 *   const card = packCard(lesson, textHash(lesson), pieces);
 *   readCard(card) // { id, severity, created, textHash, pieces }
 */
import { SEVERITIES, SEVERITY_RANK, type Lesson, type Severity } from './types.js';

const LAYOUT = 1;
const HEAD = 1 + 1 + 8 + 32 + 2;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export interface Card {
  id: string;
  severity: Severity;
  created: number;
  textHash: string;
  pieces: Uint8Array;
}

/** The card of a lesson whose row is built at `textHash` (types.ts), with its packed pieces. */
export function packCard(lesson: Pick<Lesson, 'id' | 'severity' | 'created'>, textHash: string, pieces: Uint8Array): Uint8Array {
  const id = encoder.encode(lesson.id);
  if (id.length > 0xffff) throw new Error(`lesson id of ${id.length} bytes is too long for a card`);
  if (!/^[0-9a-f]{64}$/.test(textHash)) throw new Error('a card needs a SHA-256 text hash in hex');
  const rank = SEVERITY_RANK[lesson.severity];
  if (rank === undefined) throw new Error(`a card needs a known severity, not ${JSON.stringify(lesson.severity)}`);
  const out = new Uint8Array(HEAD + id.length + pieces.length);
  const view = new DataView(out.buffer);
  view.setUint8(0, LAYOUT);
  view.setUint8(1, rank);
  view.setFloat64(2, lesson.created, true);
  out.set(Buffer.from(textHash, 'hex'), 10);
  view.setUint16(42, id.length, true);
  out.set(id, HEAD);
  out.set(pieces, HEAD + id.length);
  return out;
}

/** A card's fields; its pieces are a view into it. Throws on a card of another layout or a broken one. */
export function readCard(card: Uint8Array): Card {
  if (card.length < HEAD || card[0] !== LAYOUT)
    throw new Error(`lesson card of layout ${card[0] ?? 'none'} (${card.length} bytes); this build reads layout ${LAYOUT}`);
  const view = new DataView(card.buffer, card.byteOffset, card.byteLength);
  const severity = SEVERITIES[view.getUint8(1)];
  if (!severity) throw new Error(`lesson card with severity rank ${view.getUint8(1)}`);
  const idLength = view.getUint16(42, true);
  if (HEAD + idLength > card.length) throw new Error('lesson card shorter than its id');
  return {
    id: decoder.decode(card.subarray(HEAD, HEAD + idLength)),
    severity,
    created: view.getFloat64(2, true),
    textHash: Buffer.from(card.buffer, card.byteOffset + 10, 32).toString('hex'),
    pieces: card.subarray(HEAD + idLength),
  };
}
