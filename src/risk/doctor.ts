/** Doctor checks of the risk area: the kill switch and a summary of the profile's limits. */
import type { DoctorCheck } from '../doctor/types.js';
import { getRiskState } from './state.js';

export const riskChecks: DoctorCheck = async (deps) => {
  const state = await getRiskState(deps);
  const halt = await state.isHalted();
  const l = deps.profile.risk;
  return [
    {
      name: 'kill switch',
      status: halt.halted ? 'warn' : 'ok',
      detail: halt.halted ? `HALTED since ${halt.at} by ${halt.by}: ${halt.reason} (clear with: tars-trading-mcp resume)` : `not halted (${state.path})`,
    },
    {
      name: 'risk limits',
      status: l.allowSymbols === null || l.maxDailyLossPct > 0.1 ? 'warn' : 'ok',
      detail:
        `${l.allowSymbols ? `${l.allowSymbols.length} allowed symbols` : 'NO allow-list'}, ${l.denySymbols.length} denied; order ≤ $${l.maxOrderNotionalUsd}; ` +
        `position ≤ ${l.maxPositionPctEquity * 100}% of equity; ${l.maxOrdersPerHour} orders/h; daily loss halt at ${l.maxDailyLossPct * 100}%; ` +
        `options: defined risk only, max loss $${l.maxOptionsLossUsd}, ${l.minDaysToExpiry}-${l.maxDaysToExpiry} DTE`,
    },
  ];
};
