/**
 * Multi-vector lessons for the offline embedder: besides its one whole-text vector (the ANN
 * column), each row carries the vectors of the lesson's pieces — its title, each of its
 * `situations`, each body paragraph (sources left out) and its prevention — packed int8 in one
 * binary column. A search re-scores the vector list over the union of both lists' candidates by
 * `best piece + whole`, so a lesson one situation of which says what the agent says is not
 * averaged away by the rest of its text.
 *
 * Measured on the tuning half only (test/unit/lessons/eval-tune.ts, 129 queries): the whole-text
 * vector list alone gave recall@5 0.721 / MRR 0.653 and the hybrid 0.804 / 0.770 (full-text alone
 * 0.837 / 0.839); best piece alone, 0.747 / 0.717 and hybrid 0.870 / 0.827; best piece + whole,
 * 0.788 / 0.752 and hybrid 0.871 / 0.838. A single vector built as the mean of the unit piece
 * vectors reached only hybrid 0.829 / 0.776; pieces with only one half of the embedder (semantic
 * or hashed) 0.81–0.86 / 0.80–0.83.
 *
 * Layout of the column: vectors back to back, the whole first, each as a little-endian f32 scale
 * and `dim` int8 components (unit vectors; component = int8 × scale). A row without pieces
 * (another embedder's table) holds an empty blob and is scored by its whole vector alone.
 */
import type { Lesson } from './types.js';

/** The texts a lesson's pieces are embedded from (the whole text is embedded apart). */
export function pieceTexts(lesson: Lesson & { situations?: readonly string[] }): string[] {
  const paragraphs = lesson.body
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter((p) => p && !/^sources?:/i.test(p));
  return [lesson.title, ...(lesson.situations ?? []), ...paragraphs, lesson.prevention].filter((t) => t.trim());
}

/** Pack the whole vector and the piece vectors of one lesson (all of one dimension). */
export function packPieces(whole: Float32Array, pieces: readonly Float32Array[]): Uint8Array {
  const dim = whole.length;
  const out = new Uint8Array((pieces.length + 1) * (4 + dim));
  const view = new DataView(out.buffer);
  [whole, ...pieces].forEach((v, i) => {
    if (v.length !== dim) throw new Error(`piece ${i} has ${v.length} dims, expected ${dim}`);
    let max = 0;
    for (const x of v) max = Math.max(max, Math.abs(x));
    const scale = max / 127 || 1;
    const at = i * (4 + dim);
    view.setFloat32(at, scale, true);
    for (let j = 0; j < dim; j++) view.setInt8(at + 4 + j, Math.round(v[j]! / scale));
  });
  return out;
}

/**
 * Dot product of a query with the packed vector starting at byte `at` (int8 components × its scale).
 * Four sums, not one: a single running sum waits on each addition before the next (the re-scoring
 * of a search does ~400 of these 356-component products).
 */
function dotAt(query: Float32Array, view: DataView, bytes: Int8Array, at: number): number {
  const n = query.length;
  const from = at + 4;
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;
  let j = 0;
  for (; j + 3 < n; j += 4) {
    a += query[j]! * bytes[from + j]!;
    b += query[j + 1]! * bytes[from + j + 1]!;
    c += query[j + 2]! * bytes[from + j + 2]!;
    d += query[j + 3]! * bytes[from + j + 3]!;
  }
  for (; j < n; j++) a += query[j]! * bytes[from + j]!;
  return (a + b + c + d) * view.getFloat32(at, true);
}

function views(packed: Uint8Array): { view: DataView; bytes: Int8Array } {
  return { view: new DataView(packed.buffer, packed.byteOffset, packed.byteLength), bytes: new Int8Array(packed.buffer, packed.byteOffset, packed.byteLength) };
}

/**
 * `best piece + whole` cosine similarity of a unit query vector to a packed row, or null when the
 * row has no pieces.
 */
export function piecesScore(query: Float32Array, packed: Uint8Array | null | undefined): number | null {
  const stride = 4 + query.length;
  if (!packed || packed.length < 2 * stride || packed.length % stride !== 0) return null;
  const { view, bytes } = views(packed);
  const whole = dotAt(query, view, bytes, 0);
  let best = -1;
  for (let at = stride; at < packed.length; at += stride) best = Math.max(best, dotAt(query, view, bytes, at));
  return best + whole;
}

/**
 * Cosine similarity of a unit query vector to a row's whole vector as packed (int8, its own scale),
 * or null when the row has no pieces. What re-ranks the approximate index's candidates in place of
 * LanceDB's refine step, which reads each candidate's full vector again (service.ts).
 */
export function wholeScore(query: Float32Array, packed: Uint8Array | null | undefined): number | null {
  const stride = 4 + query.length;
  if (!packed || packed.length < 2 * stride || packed.length % stride !== 0) return null;
  const { view, bytes } = views(packed);
  return dotAt(query, view, bytes, 0);
}

/**
 * Approximate vector hits in the order of their packed whole vectors' similarity (what LanceDB's
 * refine step gives, without re-reading each candidate's full vector); a hit without pieces keeps its own.
 */
export function byWholeVector<H extends { id: string; pieces?: Uint8Array | null; similarity: number }>(query: Float32Array, hits: readonly H[]): H[] {
  return hits
    .map((h) => ({ ...h, similarity: wholeScore(query, h.pieces) ?? h.similarity }))
    .sort((a, b) => b.similarity - a.similarity || a.id.localeCompare(b.id));
}

/**
 * The vector list re-scored by pieces over the candidates of both lists (each candidate once).
 * Returns null when the table has no pieces (the whole-vector list stands).
 */
export function rescoreByPieces<C extends { id: string; pieces?: Uint8Array | null }>(
  query: Float32Array,
  candidates: ReadonlyArray<C>,
): Array<{ candidate: C; similarity: number }> | null {
  const seen = new Set<string>();
  const scored: Array<{ candidate: C; similarity: number }> = [];
  for (const c of candidates) {
    if (seen.has(c.id)) continue;
    seen.add(c.id);
    const s = piecesScore(query, c.pieces);
    if (s === null) return null;
    scored.push({ candidate: c, similarity: s / 2 });
  }
  return scored.sort((a, b) => b.similarity - a.similarity || a.candidate.id.localeCompare(b.candidate.id));
}
