/** `tars-trading-mcp doctor`: every capability's checks, run in order. */
import type { Deps } from '../deps.js';
import { foundationChecks } from './foundation.js';
import type { DoctorCheck, DoctorOptions, DoctorResult } from './types.js';

const DOCTOR_CHECKS: Array<{ area: string; load: () => Promise<DoctorCheck> }> = [
  { area: 'server', load: async () => foundationChecks },
];

export async function runDoctor(deps: Deps, options: DoctorOptions): Promise<Array<DoctorResult & { area: string }>> {
  const results: Array<DoctorResult & { area: string }> = [];
  for (const { area, load } of DOCTOR_CHECKS) {
    try {
      const check = await load();
      for (const r of await check(deps, options)) results.push({ area, ...r });
    } catch (err) {
      results.push({ area, name: area, status: 'fail', detail: `check crashed: ${(err as Error).message}` });
    }
  }
  return results;
}
