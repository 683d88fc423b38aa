/** Retrieval metrics for the lesson evaluation (binary relevance). */
export interface EvalQuery {
  query: string;
  /** Ids of the lessons that answer it (judged against the lessons' bodies). */
  relevant: string[];
}

export interface Metrics {
  queries: number;
  recall5: number;
  mrr: number;
  ndcg5: number;
}

export function recallAt(ranked: readonly string[], relevant: readonly string[], k = 5): number {
  const top = new Set(ranked.slice(0, k));
  return relevant.filter((id) => top.has(id)).length / relevant.length;
}

export function ndcgAt(ranked: readonly string[], relevant: readonly string[], k = 5): number {
  const rel = new Set(relevant);
  const dcg = ranked.slice(0, k).reduce((sum, id, i) => sum + (rel.has(id) ? 1 / Math.log2(i + 2) : 0), 0);
  const ideal = Array.from({ length: Math.min(k, relevant.length) }, (_, i) => 1 / Math.log2(i + 2)).reduce((a, b) => a + b, 0);
  return dcg / ideal;
}

/** Reciprocal rank of the first relevant lesson within the ranked list (0 when none is in it). */
export function reciprocalRank(ranked: readonly string[], relevant: readonly string[]): number {
  const first = ranked.findIndex((id) => relevant.includes(id));
  return first >= 0 ? 1 / (first + 1) : 0;
}

/** Mean recall@5, MRR (over the top 10) and nDCG@5 of ranked lists, one per query. */
export function score(queries: readonly EvalQuery[], rankedLists: ReadonlyArray<readonly string[]>): Metrics {
  const n = queries.length;
  const sum = (f: (ranked: readonly string[], q: EvalQuery) => number) => queries.reduce((s, q, i) => s + f(rankedLists[i]!, q), 0) / n;
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return {
    queries: n,
    recall5: round(sum((r, q) => recallAt(r, q.relevant))),
    mrr: round(sum((r, q) => reciprocalRank(r.slice(0, 10), q.relevant))),
    ndcg5: round(sum((r, q) => ndcgAt(r, q.relevant))),
  };
}
