import { describe, expect, it } from 'vitest';
import { bootstrap } from '../../../src/bootstrap.js';
import { toolChecks } from '../../../src/doctor/tools.js';
import { createLogger } from '../../../src/log.js';
import { TOOL_GROUPS } from '../../../src/tool.js';
import { tempDataDir } from '../../support/client.js';
import { SPEC_TOOLS } from '../../support/profiles.js';

async function check(profile: keyof typeof SPEC_TOOLS, env: Record<string, string> = {}) {
  const deps = bootstrap(
    { profile, 'data-dir': tempDataDir('tars-doctor-tools-') },
    env,
    createLogger('error', {}, () => undefined),
  );
  const results = await toolChecks(deps, { writeTiers: false });
  await deps.close();
  return Object.fromEntries(results.map((r) => [r.name, r]));
}

/** The tools a doctor line says the profile exposes. */
const exposedIn = (detail: string) => (detail.startsWith('no tool exposed') ? [] : detail.split(' — ')[0]!.split(', '));

describe('doctor: tools per group', () => {
  for (const profile of ['analyst', 'council', 'executor'] as const) {
    it(`${profile}: one line per group, together naming exactly the profile's tools`, async () => {
      const byGroup = await check(profile);
      expect(Object.keys(byGroup)).toEqual([...TOOL_GROUPS]);
      expect(
        Object.values(byGroup)
          .flatMap((r) => exposedIn(r.detail))
          .sort(),
      ).toEqual([...SPEC_TOOLS[profile]].sort());
    });
  }

  it('warns for a group whose tools need the missing gateway key, and only for that', async () => {
    const byGroup = await check('executor');
    expect(byGroup.execution).toMatchObject({ status: 'warn' });
    expect(byGroup.execution!.detail).toContain('gateway key not set');
    expect(byGroup.execution!.detail).toContain('broker sim');
    // Lessons embed offline without a key: reported as optional, not as a problem.
    expect(byGroup.lessons).toMatchObject({ status: 'ok' });
    expect(byGroup.lessons!.detail).toContain('gateway key not set (optional)');
    expect(
      Object.values(byGroup)
        .filter((r) => r.status !== 'ok')
        .map((r) => r.name),
    ).toEqual(['execution']);
  });

  it('names the hidden tools of a group, and is all ok once the gateway key is set', async () => {
    const council = await check('council', { LLM_GATEWAY_API_KEY: 'sk-doctor-test' });
    expect(council.execution).toEqual({
      name: 'execution',
      status: 'ok',
      detail: 'no tool exposed; not in profile council: place_order, replace_order, close_position, cancel_order',
    });
    expect(council.council!.detail).toBe('council_vote — gateway key set');
    const executor = await check('executor', { LLM_GATEWAY_API_KEY: 'sk-doctor-test' });
    expect(Object.values(executor).every((r) => r.status === 'ok')).toBe(true);
    expect(executor.council!.detail).toContain('not in profile executor: council_vote');
  });
});
