/**
 * `npm run bench -- --compare bench/results.json`: the change of every figure of this run against
 * a previous results file (read before this run overwrites it), one line per numeric figure.
 */
type Json = unknown;

/** Numeric leaves as dotted paths: startup.sequentialCalls.getAccountRatioP50 → 1.79. */
export function numericLeaves(value: Json, prefix = '', out = new Map<string, number>()): Map<string, number> {
  if (typeof value === 'number' && Number.isFinite(value)) out.set(prefix, value);
  else if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) numericLeaves(v, prefix ? `${prefix}.${k}` : k, out);
  }
  return out;
}

/** Lines "path: before → after (±x%)" for the benches that ran; new and vanished figures are marked. */
export function compareLines(before: Record<string, Json>, after: Record<string, Json>, benches: readonly string[]): string[] {
  const lines: string[] = [];
  for (const bench of benches) {
    const was = numericLeaves(before[bench] ?? {});
    const now = numericLeaves(after[bench] ?? {});
    for (const [path, v] of now) {
      const old = was.get(path);
      if (old === undefined) lines.push(`${bench}.${path}: (new) ${v}`);
      else {
        const pct = old === 0 ? '' : ` (${v >= old ? '+' : ''}${(((v - old) / Math.abs(old)) * 100).toFixed(1)}%)`;
        lines.push(`${bench}.${path}: ${old} → ${v}${pct}`);
      }
    }
    for (const path of was.keys()) if (!now.has(path)) lines.push(`${bench}.${path}: ${was.get(path)} → (gone)`);
  }
  return lines;
}

/** Splits `--compare <file>` out of the bench arguments. */
export function parseArgs(argv: readonly string[]): { only: string[]; compare: string | null } {
  const only: string[] = [];
  let compare: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--compare') {
      compare = argv[i + 1] ?? null;
      i += 1;
    } else if (a.startsWith('--compare=')) compare = a.slice('--compare='.length);
    else only.push(a);
  }
  if (argv.includes('--compare') && !compare) throw new Error('--compare needs a results file');
  return { only, compare };
}
