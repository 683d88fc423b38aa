import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootstrap } from '../../../src/bootstrap.js';
import type { Deps } from '../../../src/deps.js';
import { createLogger } from '../../../src/log.js';

/** Real deps on a fresh (or given) data dir, with an optional custom council profile. */
export function councilDeps(opts: { dataDir?: string; council?: Record<string, unknown>; env?: Record<string, string> } = {}): Deps {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'tars-council-'));
  let profile = 'council';
  if (opts.council) {
    profile = join(dataDir, '..', `${dataDir.split('/').pop()}-profile.json`);
    writeFileSync(profile, JSON.stringify(councilProfile(opts.council)));
  }
  return bootstrap(
    { 'data-dir': dataDir, profile },
    { PATH: process.env.PATH ?? '', ...opts.env },
    createLogger('error', {}, () => undefined),
  );
}

export function councilProfile(council: Record<string, unknown>): Record<string, unknown> {
  return {
    name: 'council-test',
    description: 'council with a custom membership (tests)',
    readOnly: true,
    tools: ['council_vote', 'check_risk', 'get_llm_usage'],
    council,
  };
}
