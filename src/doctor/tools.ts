/**
 * doctor, per tool group: which of its tools the active profile exposes (from the build's manifest,
 * so no tool module loads) and whether what the group needs (broker, gateway key) is configured.
 */
import type { Deps } from '../deps.js';
import { manifestGroupOf, readManifest } from '../manifest.js';
import { selectTools } from '../profiles.js';
import { TOOL_GROUPS, type ToolGroup } from '../tool.js';
import { DEPENDENCY_LABEL, GROUP_SPECS, type ToolDependency } from '../tools/groups.js';
import type { DoctorCheck, DoctorResult } from './types.js';

/** Whether a dependency is configured, and how it reads in a detail line. */
function dependencyState(deps: Deps, dependency: ToolDependency): { configured: boolean; detail: string } {
  if (dependency === 'gateway') {
    return deps.config.gateway.apiKey ? { configured: true, detail: 'gateway key set' } : { configured: false, detail: 'gateway key not set' };
  }
  // Start-up already refused alpaca without keys, so a broker is always configured here; doctor's broker area checks it answers.
  return { configured: true, detail: deps.brokerName === 'sim' ? 'broker sim (simulated market)' : `broker alpaca (${deps.mode})` };
}

function groupResult(deps: Deps, group: ToolGroup, all: string[], exposed: Set<string>): DoctorResult {
  const spec = GROUP_SPECS[group];
  const shown = all.filter((n) => exposed.has(n));
  const hidden = all.filter((n) => !exposed.has(n));
  const hiddenText = hidden.length ? `; not in profile ${deps.profile.name}: ${hidden.join(', ')}` : '';
  if (!shown.length) return { name: group, status: 'ok', detail: `no tool exposed${hiddenText}` };
  const states = [...spec.requires, ...spec.uses].map((d) => ({ d, ...dependencyState(deps, d) }));
  const missing = states.filter((s) => !s.configured && spec.requires.includes(s.d));
  const parts = [
    states.length
      ? states.map((s) => (s.configured || missing.includes(s) ? s.detail : `${s.detail} (optional)`)).join(', ')
      : 'needs nothing beyond the data dir',
    ...(states.some((s) => !s.configured) && spec.note ? [spec.note] : []),
    ...(missing.length
      ? [`without the ${missing.map((s) => DEPENDENCY_LABEL[s.d]).join(' and ')}, tools that need ${missing.length > 1 ? 'them' : 'it'} refuse`]
      : []),
  ];
  return { name: group, status: missing.length ? 'warn' : 'ok', detail: `${shown.join(', ')} — ${parts.join('; ')}${hiddenText}` };
}

export const toolChecks: DoctorCheck = async (deps) => {
  const catalogue = readManifest();
  const exposed = new Set(selectTools(catalogue, deps.profile).map((t) => t.name));
  return TOOL_GROUPS.map((group) => ({ group, names: catalogue.map((t) => t.name).filter((n) => manifestGroupOf(n) === group) }))
    .filter(({ names }) => names.length)
    .map(({ group, names }) => groupResult(deps, group, names, exposed));
};
