/**
 * Fusion of the two candidate lists (vector, full-text) by their scores (CombSUM of each list's
 * score over its top score), then the severity and recency boosts. Pure: the store hands in ranked
 * candidates, this returns the order and every part of each score so a caller can see why a lesson
 * ranks where it does. The reciprocal-rank score (`rrf`) is still reported and breaks exact ties.
 *
 * Our own fusion rather than LanceDB's RRFReranker: we need the parts (each list's rank and raw score)
 * in the result, the same candidates ranked three ways for the evaluation, and boosts applied after
 * fusion; the reranker returns only a fused `_relevance_score`.
 *
 * No re-ranking stage after fusion (tuning half only; none: hybrid recall@5 0.911 / MRR 0.915):
 * - word-level soft alignment over the top 30 fused candidates (BERTScore-style: each query word's
 *   best GloVe cosine to the lesson's title, situations and tags, SIF- or corpus-IDF-weighted; over
 *   the whole lesson, the best situation, their mean, or F1), added CombSUM-style at weights
 *   0.1–1.2: at best 0.911 / 0.920, never more recall, at weight 0.5 0.889–0.903. Alone it puts a
 *   relevant lesson in its top 5 for 0.80 of the pairs — the words the vector half already
 *   averages, no new evidence — and it cost 3.6 ms a query at 30 candidates;
 * - lifting the lessons the top 3 name by id (+0.1 × their score share): 0.915 / 0.917;
 * - CSLS-style hubness correction of the vector list (minus 0.1–1 × a lesson's mean top-10 score
 *   to other lessons' situations): 0.919 / 0.919 at 0.25 only (0.35: 0.907; 0.45: 0.889), and the
 *   vector list alone did not move (0.813 → 0.813–0.818): too narrow a peak to trust;
 * - an agreement bonus (+ 0.2–1 × the smaller or the geometric mean of the two normalised scores,
 *   or × 1.1–1.3 when in both lists): 0.893–0.911 / 0.911–0.916;
 * - term-level diversification (xQuAD, the query's stems as aspects, λ 0.1–0.5): at best 0.915 / 0.915.
 * (Their code was not kept; the figures are from one helper's sweeps on 2026-12-03.)
 */
import { SEVERITY_RANK, type Severity } from './types.js';

export const RRF_K = 60;
/**
 * Plain RRF, both lists at weight 1 (Cormack et al.'s k = 60): neither list is down-weighted. On the
 * tuning half a vector weight of 0.75 lost recall@5 (0.948 vs 0.958) and nDCG@5 (0.895 vs 0.904).
 * No longer what ranks (see FUSION_WEIGHTS); reported as `rrf` and the tie-break.
 */
export const RRF_WEIGHTS = { vector: 1, fts: 1 } as const;
/**
 * The ranking score `fused`: each list's score divided by that list's top score (similarities below
 * zero count as zero), summed at these weights (CombSUM over max-normalised scores). Unlike RRF it
 * keeps how far ahead a list's top hit is: a full-text hit scoring far above the next stays ahead of a
 * lesson the vectors rank a little higher. Dividing by the top score alone (not min-max) leaves the
 * score of a hit independent of how long the lists are (a larger k lengthens them).
 * Measured on the tuning half only (129 queries, k 10): RRF recall@5 0.911 / MRR 0.882 / nDCG@5 0.847;
 * this 0.911 / 0.915 / 0.871 (the same at k 50); min-max 0.915 / 0.911 / 0.870 but it moves with the
 * list lengths (k 50: 0.911 / 0.911, lists cut to 20: 0.911 / 0.899); z-scores 0.915 / 0.912 / 0.870;
 * full-text weight 0.8–1.2 within ±0.004; a full-text weight growing with its top hit's lead over
 * the second (adaptive) lost recall (0.899 at 1 + gap); squared scores 0.915 / 0.916 (not taken: one
 * query's difference, one more constant). More candidates (at k 50: 150 per list, the top 50 of each re-scored, not 20)
 * gained nothing (0.911 / 0.915). The held-out half, scored once after the choice: 0.895 / 0.873 / 0.844
 * (RRF was 0.852 / 0.840); with the word table rebuilt for the shipped lessons (local-words@4; tuning
 * half 0.907 / 0.916 / 0.871): 0.901 / 0.875 / 0.849.
 */
export const FUSION_WEIGHTS = { vector: 1, fts: 1 } as const;
/**
 * Multiplicative, and small on purpose (at most +1.5% of a fused score of 0–2), so severity decides between
 * lessons of (nearly) equal relevance and never lifts a lesson past a clearly more relevant one.
 * OFF by default since the split evaluation: on the tuning half they cost hybrid MRR 0.927 → 0.917
 * and nDCG@5 0.904 → 0.903 and gained no recall, so the tools rank without them (a caller of the
 * service may still ask for them; exact ties still go to the more severe lesson).
 */
export const SEVERITY_BOOST: Record<Severity, number> = { low: 1, medium: 1.005, high: 1.01, critical: 1.015 };
/** Recent lessons get up to +1%, halving every RECENCY_HALF_LIFE_DAYS (a fresh lesson wins a near-tie). */
export const RECENCY_MAX_BOOST = 0.01;
export const RECENCY_HALF_LIFE_DAYS = 180;

export type RankMode = 'hybrid' | 'vector' | 'fts';

export interface Candidate {
  id: string;
  severity: Severity;
  created: number;
}

export interface ScoreParts {
  vector_rank: number | null;
  vector_similarity: number | null;
  fts_rank: number | null;
  fts_score: number | null;
  /** What ranks: the sum of each list's score over its top score (FUSION_WEIGHTS), before boosts. */
  fused: number;
  rrf: number;
  severity_boost: number;
  recency_boost: number;
}

export interface Ranked<C extends Candidate> {
  candidate: C;
  score: number;
  parts: ScoreParts;
}

const round = (x: number, digits = 6) => Math.round(x * 10 ** digits) / 10 ** digits;

export function recencyBoost(created: number, now: number): number {
  const ageDays = Math.max(0, (now - created) / 86_400_000);
  return 1 + RECENCY_MAX_BOOST * 0.5 ** (ageDays / RECENCY_HALF_LIFE_DAYS);
}

/** Each score over the list's top score, below zero as zero (all zero when the top is not above zero). */
function overTop(scores: readonly number[]): number[] {
  const top = Math.max(0, ...scores);
  return scores.map((x) => (top > 0 ? Math.max(0, x) / top : 0));
}

/**
 * @param vector candidates best first, with cosine similarity
 * @param fts candidates best first, with BM25 score
 */
export function fuse<C extends Candidate>(
  vector: ReadonlyArray<{ candidate: C; similarity: number }>,
  fts: ReadonlyArray<{ candidate: C; score: number }>,
  opts: { mode: RankMode; k: number; now: number; boosts?: boolean },
): Ranked<C>[] {
  const byId = new Map<string, { candidate: C; parts: ScoreParts }>();
  const entry = (c: C) => {
    let e = byId.get(c.id);
    if (!e) {
      e = {
        candidate: c,
        parts: { vector_rank: null, vector_similarity: null, fts_rank: null, fts_score: null, fused: 0, rrf: 0, severity_boost: 1, recency_boost: 1 },
      };
      byId.set(c.id, e);
    }
    return e;
  };
  if (opts.mode !== 'fts') {
    const normalised = overTop(vector.map((h) => h.similarity));
    vector.forEach(({ candidate, similarity }, i) => {
      const e = entry(candidate);
      if (e.parts.vector_rank !== null) return;
      e.parts.vector_rank = i + 1;
      e.parts.vector_similarity = round(similarity);
      e.parts.fused += FUSION_WEIGHTS.vector * normalised[i]!;
      e.parts.rrf += RRF_WEIGHTS.vector / (RRF_K + i + 1);
    });
  }
  if (opts.mode !== 'vector') {
    const normalised = overTop(fts.map((h) => h.score));
    fts.forEach(({ candidate, score }, i) => {
      const e = entry(candidate);
      if (e.parts.fts_rank !== null) return;
      e.parts.fts_rank = i + 1;
      e.parts.fts_score = round(score);
      e.parts.fused += FUSION_WEIGHTS.fts * normalised[i]!;
      e.parts.rrf += RRF_WEIGHTS.fts / (RRF_K + i + 1);
    });
  }
  const ranked: Ranked<C>[] = [];
  for (const { candidate, parts } of byId.values()) {
    if (opts.boosts === true) {
      parts.severity_boost = SEVERITY_BOOST[candidate.severity];
      parts.recency_boost = round(recencyBoost(candidate.created, opts.now));
    }
    parts.fused = round(parts.fused, 8);
    parts.rrf = round(parts.rrf, 8);
    ranked.push({ candidate, parts, score: round(parts.fused * parts.severity_boost * parts.recency_boost, 8) });
  }
  ranked.sort(
    (a, b) =>
      b.score - a.score ||
      b.parts.rrf - a.parts.rrf ||
      SEVERITY_RANK[b.candidate.severity] - SEVERITY_RANK[a.candidate.severity] ||
      a.candidate.id.localeCompare(b.candidate.id),
  );
  return ranked.slice(0, opts.k);
}

/**
 * The body sentence(s) sharing most words with the query, cut to `max` characters, whitespace runs
 * as one space. Sentences are split on the raw body and only the shown ones are normalised: one
 * replace over the whole body was a third of the 44 µs a shipped lesson's snippet took.
 */
export function snippet(body: string, queryWords: ReadonlySet<string>, max = 240): string {
  const sentences = body.trim().split(/(?<=[.!?])\s+/);
  let best = 0;
  let bestHits = -1;
  const word = /[a-z0-9]+/g;
  sentences.forEach((s, i) => {
    const lower = s.toLowerCase();
    let hits = 0;
    word.lastIndex = 0;
    for (let m = word.exec(lower); m; m = word.exec(lower)) if (queryWords.has(m[0])) hits++;
    if (hits > bestHits) {
      bestHits = hits;
      best = i;
    }
  });
  // From the best sentence on, only as many as the cut can show.
  const one = (s: string) => s.replace(/\s+/g, ' ');
  let text = one(sentences[best]!);
  for (let i = best + 1; i < sentences.length && text.length <= max; i++) text += ` ${one(sentences[i]!)}`;
  if (text.length > max) text = `${text.slice(0, max - 1).replace(/\s+\S*$/, '')}…`;
  return best > 0 ? `…${text}` : text;
}
