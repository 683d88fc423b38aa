/** `tars-trading-mcp doctor`: every capability's checks, run in order. */
import type { Deps } from '../deps.js';
import { foundationChecks } from './foundation.js';
import type { DoctorCheck, DoctorOptions, DoctorResult } from './types.js';

const DOCTOR_CHECKS: Array<{ area: string; load: () => Promise<DoctorCheck> }> = [
  { area: 'server', load: async () => foundationChecks },
  { area: 'store', load: async () => (await import('../store/doctor.js')).storeChecks },
  { area: 'tools', load: async () => (await import('./tools.js')).toolChecks },
  { area: 'broker', load: async () => (await import('../broker/doctor.js')).brokerChecks },
  { area: 'lessons', load: async () => (await import('../lessons/doctor.js')).lessonChecks },
  { area: 'risk', load: async () => (await import('../risk/doctor.js')).riskChecks },
  { area: 'llm', load: async () => (await import('../llm/doctor.js')).llmChecks },
  { area: 'council', load: async () => (await import('../council/doctor.js')).councilChecks },
  { area: 'execution', load: async () => (await import('../execution/doctor.js')).executionChecks },
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
