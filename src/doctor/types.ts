import type { Deps } from '../deps.js';

export interface DoctorResult {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
}

export interface DoctorOptions {
  /** Write a refreshed tier table into the data dir (LLM routing). */
  writeTiers: boolean;
}

/** Each capability contributes one of these (src/<area>/doctor.ts) and lists it in doctor/index.ts. */
export type DoctorCheck = (deps: Deps, options: DoctorOptions) => Promise<DoctorResult[]>;
