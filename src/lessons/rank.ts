/**
 * Fusion of the two candidate lists (vector, full-text) by reciprocal rank fusion, then the
 * severity and recency boosts. Pure: the store hands in ranked candidates, this returns the order
 * and every part of each score so a caller can see why a lesson ranks where it does.
 *
 * Our own RRF rather than LanceDB's RRFReranker: we need the parts (each list's rank and raw score)
 * in the result, the same candidates ranked three ways for the evaluation, and boosts applied after
 * fusion; the reranker returns only a fused `_relevance_score`.
 */
import { SEVERITY_RANK, type Severity } from './types.js';

export const RRF_K = 60;
/**
 * Plain RRF, both lists at weight 1 (Cormack et al.'s k = 60): neither list is down-weighted. On the
 * tuning half a vector weight of 0.75 lost recall@5 (0.948 vs 0.958) and nDCG@5 (0.895 vs 0.904).
 */
export const RRF_WEIGHTS = { vector: 1, fts: 1 } as const;
/**
 * Multiplicative, and small on purpose: adjacent RRF ranks differ by ~1.6%, so severity decides between
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
      e = { candidate: c, parts: { vector_rank: null, vector_similarity: null, fts_rank: null, fts_score: null, rrf: 0, severity_boost: 1, recency_boost: 1 } };
      byId.set(c.id, e);
    }
    return e;
  };
  if (opts.mode !== 'fts') {
    vector.forEach(({ candidate, similarity }, i) => {
      const e = entry(candidate);
      if (e.parts.vector_rank !== null) return;
      e.parts.vector_rank = i + 1;
      e.parts.vector_similarity = round(similarity);
      e.parts.rrf += RRF_WEIGHTS.vector / (RRF_K + i + 1);
    });
  }
  if (opts.mode !== 'vector') {
    fts.forEach(({ candidate, score }, i) => {
      const e = entry(candidate);
      if (e.parts.fts_rank !== null) return;
      e.parts.fts_rank = i + 1;
      e.parts.fts_score = round(score);
      e.parts.rrf += RRF_WEIGHTS.fts / (RRF_K + i + 1);
    });
  }
  const ranked: Ranked<C>[] = [];
  for (const { candidate, parts } of byId.values()) {
    if (opts.boosts === true) {
      parts.severity_boost = SEVERITY_BOOST[candidate.severity];
      parts.recency_boost = round(recencyBoost(candidate.created, opts.now));
    }
    parts.rrf = round(parts.rrf, 8);
    ranked.push({ candidate, parts, score: round(parts.rrf * parts.severity_boost * parts.recency_boost, 8) });
  }
  ranked.sort(
    (a, b) => b.score - a.score || SEVERITY_RANK[b.candidate.severity] - SEVERITY_RANK[a.candidate.severity] || a.candidate.id.localeCompare(b.candidate.id),
  );
  return ranked.slice(0, opts.k);
}

/** The body sentence(s) sharing most words with the query, cut to `max` characters. */
export function snippet(body: string, queryWords: ReadonlySet<string>, max = 240): string {
  const sentences = body
    .replace(/\s+/g, ' ')
    .trim()
    .split(/(?<=[.!?])\s+/);
  let best = 0;
  let bestHits = -1;
  sentences.forEach((s, i) => {
    const hits = (s.toLowerCase().match(/[a-z0-9]+/g) ?? []).filter((w) => queryWords.has(w)).length;
    if (hits > bestHits) {
      bestHits = hits;
      best = i;
    }
  });
  let text = sentences.slice(best).join(' ');
  if (text.length > max) text = `${text.slice(0, max - 1).replace(/\s+\S*$/, '')}…`;
  return best > 0 ? `…${text}` : text;
}
