import { applySimulatedModels, loadConfig, refusePlaceholders, resolveBroker, resolveMode, type Config, type FlagValues } from './config.js';
import { createDeps, ensureDataDir, type Deps } from './deps.js';
import { createLogger, type Logger } from './log.js';
import { SIMULATED_API_KEY, SIMULATED_BASE_URL } from './llm/simulated-names.js';
import { provideExternalQuality } from './llm/index.js';
import { loadTierTable } from './llm/tiers.js';
import { manifestToolNames } from './manifest.js';
import { loadProfile, narrowProfile, ProfileSchema, type Profile } from './profiles.js';

/** Config → mode → profile → data dir → deps. Throws ConfigError on any misconfiguration. */
export function bootstrap(flags: FlagValues, env: NodeJS.ProcessEnv = process.env, log?: Logger): Deps {
  const config: Config = loadConfig(flags, env);
  refusePlaceholders(config);
  const mode = resolveMode(config);
  applySimulatedModels(config, mode, { baseUrl: SIMULATED_BASE_URL, apiKey: SIMULATED_API_KEY });
  const profile = narrowProfile(loadProfile(config.profile, manifestToolNames()), config.narrow, manifestToolNames());
  loadTierTable(config.tiersPath); // a malformed table or a non-Opus critical model stops start-up (SPEC §6)
  ensureDataDir(config.dataDir);
  const logger = log ?? createLogger(config.logLevel, { pid: process.pid, profile: profile.name });
  const deps = createDeps({ config, profile, mode, brokerName: resolveBroker(config), log: logger });
  // the arena's per-model track record feeds adaptive routing (SPEC §14 → §15), loaded with the router
  provideExternalQuality(deps, async () => (await import('./arena/quality.js')).arenaQuality(deps));
  return deps;
}

/**
 * Deps for `halt`: the kill switch needs only the data dir, so a broken tier table, a missing tool
 * manifest, an unknown profile or an unsafe live configuration (each of which stops the server)
 * never stops a person from halting. Only flags and variables that cannot be read at all refuse.
 */
export function bootstrapForHalt(flags: FlagValues, env: NodeJS.ProcessEnv = process.env): Deps {
  const config: Config = loadConfig(flags, env);
  ensureDataDir(config.dataDir);
  const logger = createLogger(config.logLevel, { pid: process.pid, command: 'halt' });
  const fallback = <T>(read: () => T, otherwise: T, what: string): T => {
    try {
      return read();
    } catch (err) {
      logger.warn(`halting anyway: ${what} could not be read`, { err: (err as Error).message });
      return otherwise;
    }
  };
  const killSwitchOnly: Profile = ProfileSchema.parse({ name: 'halt', description: 'kill switch only', tools: ['halt_trading'] });
  const profile = fallback(() => loadProfile(config.profile, manifestToolNames()), killSwitchOnly, 'the profile');
  const mode = fallback(() => resolveMode(config), 'sim' as const, 'the trading mode');
  return createDeps({ config, profile, mode, brokerName: fallback(() => resolveBroker(config), 'sim' as const, 'the broker'), log: logger });
}
