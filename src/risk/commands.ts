/** CLI sub-commands `halt`, `resume`, `status` (issue 7 fills these in). */
import type { Deps } from '../deps.js';

export async function haltCommand(_deps: Deps, _reason: string): Promise<string> {
  throw new Error('halt is not available yet');
}
export async function resumeCommand(_deps: Deps): Promise<string> {
  throw new Error('resume is not available yet');
}
export async function statusCommand(_deps: Deps): Promise<string> {
  throw new Error('status is not available yet');
}
