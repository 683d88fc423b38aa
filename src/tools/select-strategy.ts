/**
 * select_strategy (SPEC §13): Thompson sampling over the profile's strategies for a symbol's current
 * regime, with Beta posteriors from trade memory and the profile's priors. Read-only; the work is in
 * src/memory/report.ts (and the sampler in src/memory/sampler.ts), imported lazily.
 */
import { SelectStrategyInputSchema, SelectStrategyOutputSchema } from '../memory/schema.js';
import { defineTool } from '../tool.js';

export const selectStrategyTool = defineTool({
  name: 'select_strategy',
  title: 'Select a strategy (Thompson sampling)',
  description:
    "Which of the profile's strategies to use on a symbol now: reads the symbol's current regime (daily trend and volatility, as get_technicals names them), counts each strategy's wins and losses in trade memory in that regime, " +
    'and draws once from each Beta posterior (the profile prior plus those counts); the highest draw is the pick. Per strategy: trades, wins, losses, posterior mean, 90% credible interval and the sample drawn. ' +
    'A pick is exploration when history is thin and exploitation when it is not; `seed` makes the draw reproducible. Read-only.',
  group: 'risk',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  inputSchema: SelectStrategyInputSchema,
  outputSchema: SelectStrategyOutputSchema,
  async handler(input, { deps }) {
    const [{ getBroker }, { selectStrategyReport }] = await Promise.all([import('../broker/index.js'), import('../memory/report.js')]);
    return selectStrategyReport(deps, await getBroker(deps), input);
  },
});
