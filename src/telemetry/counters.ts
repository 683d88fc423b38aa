/**
 * The in-process counts the domain reports (SPEC §17): one small interface, no dependency, nothing on the hot
 * path but a map increment. /metrics (metrics.ts) reads them with the stores' own figures at scrape time.
 */
const toolCalls = new Map<string, number>();

/** A finished tool call and its outcome: `ok` or the error code it answered with. */
export function countToolCall(tool: string, outcome: string): void {
  const key = `${tool}\u0000${outcome}`;
  toolCalls.set(key, (toolCalls.get(key) ?? 0) + 1);
}

export function toolCallCounts(): Array<{ tool: string; outcome: string; count: number }> {
  return [...toolCalls].map(([k, count]) => {
    const [tool, outcome] = k.split('\u0000') as [string, string];
    return { tool, outcome, count };
  });
}
