import { defineResource } from '../resource.js';

export interface ModeReport {
  profile: string;
  mode: 'sim' | 'paper' | 'live';
  broker: 'sim' | 'alpaca';
  gatewayConfigured: boolean;
  gatewayBaseUrl: string;
  budgets: { dailyUsd: number; monthlyUsd: number };
  requireCouncilTicket: boolean;
  dataDir: string;
}

export const modeResource = defineResource({
  uri: 'trading://mode',
  name: 'mode',
  title: 'Trading mode',
  description: 'Active profile, trading mode (sim | paper | live), broker, whether a gateway key is configured, and the LLM budgets.',
  async read(deps): Promise<ModeReport> {
    return {
      profile: deps.profile.name,
      mode: deps.mode,
      broker: deps.brokerName,
      gatewayConfigured: Boolean(deps.config.gateway.apiKey),
      gatewayBaseUrl: deps.config.gateway.baseUrl,
      budgets: { dailyUsd: deps.config.budget.dailyUsd, monthlyUsd: deps.config.budget.monthlyUsd },
      requireCouncilTicket: deps.profile.requireCouncilTicket,
      dataDir: deps.dataDir,
    };
  },
});
