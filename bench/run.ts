/**
 * npm run bench: every area's benchmark, in one process, each reporting ratios against a
 * baseline measured in the same run (these machines are noisy). Writes bench/results.json.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { PACKAGE_ROOT } from '../src/paths.js';
import { compareLines, parseArgs } from './compare.js';

export interface BenchEntry {
  name: string;
  run(): Promise<Record<string, unknown>>;
}

const BENCHES: BenchEntry[] = [
  { name: 'startup', run: async () => (await import('./startup.js')).run() },
  { name: 'rss', run: async () => (await import('./rss.js')).run() },
  { name: 'lessons', run: async () => (await import('./lessons.js')).run() },
  { name: 'lessons-gate', run: async () => (await import('./lessons-gate.js')).run() },
  { name: 'lessons-replicas', run: async () => (await import('./lessons-replicas.js')).run() },
  { name: 'council', run: async () => (await import('./council.js')).run() },
  { name: 'arena', run: async () => (await import('./arena.js')).run() },
  { name: 'otel', run: async () => (await import('./otel.js')).run() },
  { name: 'llm', run: async () => (await import('./llm.js')).run() },
  { name: 'risk', run: async () => (await import('./risk.js')).run() },
  { name: 'technicals', run: async () => (await import('./technicals.js')).run() },
  { name: 'execution', run: async () => (await import('./execution.js')).run() },
  { name: 'http', run: async () => (await import('./http.js')).run() },
  { name: 'memory', run: async () => (await import('./memory.js')).run() },
  { name: 'routing', run: async () => (await import('./routing.js')).run() },
  { name: 'ledger', run: async () => (await import('./ledger.js')).run() },
];

async function main(): Promise<void> {
  const { only, compare } = parseArgs(process.argv.slice(2));
  // The run to compare against is read before this run overwrites bench/results.json.
  const baseline = compare ? (JSON.parse(readFileSync(resolve(compare), 'utf8')) as Record<string, unknown>) : null;
  const out = resolve(PACKAGE_ROOT, 'bench', 'results.json');
  // A filtered run (`node dist/bench/run.js lessons`) updates its own entries and keeps the others.
  const previous: Record<string, unknown> = only.length && existsSync(out) ? (JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>) : {};
  const results: Record<string, unknown> = { ...previous, at: new Date().toISOString(), node: process.version };
  for (const bench of BENCHES) {
    if (only.length && !only.includes(bench.name)) continue;
    process.stdout.write(`▶ ${bench.name}\n`);
    try {
      const figures = await bench.run();
      results[bench.name] = figures;
      process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
    } catch (err) {
      results[bench.name] = { error: (err as Error).message };
      process.stdout.write(`  failed: ${(err as Error).stack}\n`);
    }
  }
  writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
  process.stdout.write(`wrote ${out}\n`);
  if (baseline) {
    const ran = BENCHES.map((b) => b.name).filter((name) => !only.length || only.includes(name));
    process.stdout.write(`change against ${compare} (run at ${String(baseline.at)}):\n${compareLines(baseline, results, ran).join('\n')}\n`);
  }
}

void main();
