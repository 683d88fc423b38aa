/**
 * The semantic half of the offline embedder: the SIF-weighted mean of the GloVe vectors of a
 * text's words (Arora et al. 2017, "A simple but tough-to-beat baseline for sentence embeddings"),
 * word frequencies estimated from each word's rank in GloVe's frequency-ordered vocabulary (Zipf).
 * A word the table lacks is looked up by its Porter2 stem and the stem's usual spellings
 * ("resubmitting" → "resubmit", "hedgeable" → "hedge"); one with no vector at all adds nothing
 * here (the hashed half still has it).
 */
import { stemOf } from './analyse.js';
import { wordTable, type WordTable } from './word-table.js';

/**
 * SIF's smoothing constant: a word of estimated frequency p weighs a / (a + p). The paper's range
 * is 1e-4–1e-3; 1e-4 on the tuning half (vector-only recall@5 0.93; 3e-4 0.91, 1e-3 0.92, 3e-3 0.92).
 */
export const SIF_A = 1e-4;

function rowOf(table: WordTable, word: string): number | undefined {
  const row = table.index.get(word);
  if (row !== undefined || !/^[a-z]{4,}$/.test(word)) return row;
  const stem = stemOf(word);
  // Porter2 stems are not always words ("hedg", "averag"): try the stem and its usual spellings.
  for (const form of [stem, `${stem}e`, `${stem}s`, stem.replace(/i$/, 'y')]) {
    const r = table.index.get(form);
    if (r !== undefined) return r;
  }
  return undefined;
}

/** Zipf estimate of a word's frequency from its rank in the source vocabulary. */
function frequency(table: WordTable, rank: number): number {
  return 1 / ((rank + 1) * (Math.log(table.sourceVocabulary) + 0.5772));
}

/** SIF-weighted sum of the words' unit vectors (not normalised; zero when no word has a vector). */
export function semanticSum(words: readonly string[], out: Float32Array, weight = 1): number {
  const table = wordTable();
  const { dim, rows, scales, ranks } = table;
  let found = 0;
  for (const w of words) {
    const row = rowOf(table, w);
    if (row === undefined) continue;
    found++;
    const sif = (weight * SIF_A) / (SIF_A + frequency(table, ranks[row]!));
    const scale = scales[row]! * sif;
    const base = row * dim;
    for (let j = 0; j < dim; j++) out[j] = out[j]! + rows[base + j]! * scale;
  }
  return found;
}

let common: Float32Array | null = null;

/**
 * SIF's common component: the direction every averaged text shares (frequent words pull all means
 * the same way). Estimated once from the table as the SIF-weighted expectation of a word vector
 * (Σ p·a/(a+p)·v over the vocabulary), unit length; removed from every text's vector. Without it,
 * unrelated texts of one register look alike ("the brokerage servers keep failing" was nearer to
 * "buying calls before earnings", 0.48, than to "broker outage and downtime", 0.30).
 */
export function commonDirection(): Float32Array {
  if (common) return common;
  const table = wordTable();
  const { dim, rows, scales, ranks } = table;
  const u = new Float32Array(dim);
  for (let row = 0; row < scales.length; row++) {
    const p = frequency(table, ranks[row]!);
    const w = ((p * SIF_A) / (SIF_A + p)) * scales[row]!;
    for (let j = 0; j < dim; j++) u[j] = u[j]! + rows[row * dim + j]! * w;
  }
  const norm = Math.hypot(...u) || 1;
  for (let j = 0; j < dim; j++) u[j] = u[j]! / norm;
  common = u;
  return u;
}

/** Remove the common component from a (semantic) vector in place. */
export function removeCommon(v: Float32Array): void {
  const u = commonDirection();
  let dot = 0;
  for (let j = 0; j < u.length; j++) dot += v[j]! * u[j]!;
  for (let j = 0; j < u.length; j++) v[j] = v[j]! - dot * u[j]!;
}

export function semanticDim(): number {
  return wordTable().dim;
}
