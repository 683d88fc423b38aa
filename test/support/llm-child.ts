/**
 * A separate OS process running the real router on a shared data dir (multi-process budget tests).
 * Usage: node dist/test/support/llm-child.js '<json>' where json = { env, dataDir, tier, calls, tool?, content?, startAt? }.
 * Fires `calls` concurrent completions, then prints one JSON line: { pid, results: [{ok, model?, costUsd?, code?}] }.
 * With `{ "hold": true }` it prints `ready` after starting the calls and never exits (for kill -9 tests).
 */
import { loadConfig } from '../../src/config.js';
import { createDeps, ensureDataDir } from '../../src/deps.js';
import { isToolError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import { createLlm } from '../../src/llm/index.js';
import type { ChatTier } from '../../src/llm/types.js';
import { loadProfile } from '../../src/profiles.js';
import { manifestToolNames } from '../../src/manifest.js';

interface ChildSpec {
  env: Record<string, string>;
  dataDir: string;
  tier: ChatTier;
  calls: number;
  tool?: string;
  content?: string;
  hold?: boolean;
  /** Epoch ms: wait until then before firing, so several processes overlap. */
  startAt?: number;
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '{}') as ChildSpec;
  const config = loadConfig({ 'data-dir': spec.dataDir }, spec.env);
  ensureDataDir(config.dataDir);
  const deps = createDeps({ config, profile: loadProfile('analyst', manifestToolNames()), mode: 'sim', brokerName: 'sim', log: createLogger('error') });
  const llm = await createLlm(deps);
  if (spec.startAt) await new Promise((r) => setTimeout(r, Math.max(0, spec.startAt! - Date.now())));
  const calls = Array.from({ length: spec.calls }, (_, i) =>
    llm
      .complete({ tier: spec.tier, tool: spec.tool ?? 'child', messages: [{ role: 'user', content: spec.content ?? `call ${i} from ${process.pid}` }] })
      .then((r) => ({ ok: true as const, model: r.modelServed, costUsd: r.costUsd }))
      .catch((err: unknown) => ({ ok: false as const, code: isToolError(err) ? err.code : 'CRASH', message: (err as Error).message })),
  );
  if (spec.hold) {
    process.stdout.write('ready\n');
    await new Promise(() => undefined);
  }
  const results = await Promise.all(calls);
  await deps.close();
  process.stdout.write(JSON.stringify({ pid: process.pid, results }) + '\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`llm-child failed: ${(err as Error).stack}\n`);
  process.exit(1);
});
