/** A multi-leg order's legs must be 2–4 distinct OCC contracts on one underlying, sides matching intents, whole spreads. */
import { defineCheck, fail, na, pass } from './result.js';

export const optionsLegsCheck = defineCheck({
  name: 'options_legs',
  code: 'RISK_OPTIONS_LEGS',
  evaluate: ({ isMleg, legs, allLegsParse, underlyings, spreads }) => {
    if (!isMleg) return na('not a multi-leg order');
    const problems: string[] = [];
    if (legs.length < 2 || legs.length > 4) problems.push(`${legs.length} legs (2–4 allowed)`);
    if (new Set(legs.map((l) => l.symbol)).size !== legs.length) problems.push('a contract appears in more than one leg');
    if (!allLegsParse) problems.push('a leg is not a valid OCC option symbol');
    if (underlyings.length > 1) problems.push(`legs on several underlyings (${underlyings.join(', ')})`);
    const mismatched = legs.filter((l) => !l.position_intent.startsWith(l.side));
    if (mismatched.length) problems.push(`side and position_intent disagree on ${mismatched.map((l) => l.symbol).join(', ')}`);
    if (!Number.isInteger(spreads) || spreads < 1) problems.push('qty must be a whole number of spreads');
    return problems.length
      ? fail(problems.join('; '), '2-4 unique legs, one underlying', legs.length)
      : pass(`${legs.length} unique legs on ${underlyings[0]}`, '2-4 unique legs, one underlying', legs.length);
  },
});
