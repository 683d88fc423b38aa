/** The durable kill switch: while it is set, every order is refused until a person resumes. */
import { defineCheck, fail, pass } from './result.js';

export const tradingHaltedCheck = defineCheck({
  name: 'trading_halted',
  code: 'RISK_HALTED',
  evaluate: ({ state }) =>
    state.halted
      ? fail(
          `trading is halted${state.haltReason ? `: ${state.haltReason}` : ''}${state.haltedAt ? ` (since ${state.haltedAt})` : ''}; only \`tars-trading-mcp resume\` clears it`,
          false,
          true,
        )
      : pass('trading is not halted', false, false),
});
