/** Deps for router tests: a real config (env layer), a fresh data dir, a quiet logger. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config.js';
import { createDeps, ensureDataDir, type Deps } from '../../../src/deps.js';
import { createLogger } from '../../../src/log.js';
import { loadProfile, type Profile } from '../../../src/profiles.js';
import { manifestToolNames } from '../../../src/manifest.js';
import { loadTierTable, type TierTable } from '../../../src/llm/tiers.js';
import { tempDataDir } from '../../support/client.js';
import { isToolError, type ToolError } from '../../../src/errors.js';
import type { FakeGateway } from '../../support/fake-gateway.js';

/** `confirmation` overrides the analyst profile's confirmation block (e.g. maxConfirmationsPerHour). */
export function makeDeps(env: Record<string, string>, dataDir = tempDataDir('tars-llm-'), confirmation: Partial<Profile['confirmation']> = {}): Deps {
  const config = loadConfig({ 'data-dir': dataDir }, env);
  ensureDataDir(config.dataDir);
  const lines: string[] = [];
  const log = createLogger('warn', {}, (l) => lines.push(l));
  const analyst = loadProfile('analyst', manifestToolNames());
  const profile = { ...analyst, confirmation: { ...analyst.confirmation, ...confirmation } };
  return createDeps({ config, profile, mode: 'sim', brokerName: 'sim', log });
}

export function gatewayEnv(url: string, extra: Record<string, string> = {}): Record<string, string> {
  return { LLM_GATEWAY_BASE_URL: url, LLM_GATEWAY_API_KEY: 'test-key', ...extra };
}

/** Write a modified copy of the shipped table and return its path. */
export function writeTiers(dir: string, edit: (t: TierTable) => void): string {
  const table = structuredClone(loadTierTable());
  edit(table);
  const path = join(dir, `tiers-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify(table));
  return path;
}

/** The ToolError a call is expected to fail with (anything else fails the test). */
export async function toolErrorOf(p: Promise<unknown>): Promise<ToolError> {
  try {
    await p;
  } catch (err) {
    if (isToolError(err)) return err;
    throw err;
  }
  throw new Error('expected a ToolError');
}

export const userMessages = (content: string) => [{ role: 'user' as const, content }];
export const chatRequests = (gw: FakeGateway) => gw.requests.filter((r) => r.path === '/v1/chat/completions');
