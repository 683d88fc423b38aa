import { loadConfig, resolveBroker, resolveMode, type Config, type FlagValues } from './config.js';
import { createDeps, ensureDataDir, type Deps } from './deps.js';
import { createLogger, type Logger } from './log.js';
import { loadTierTable } from './llm/tiers.js';
import { manifestToolNames } from './manifest.js';
import { loadProfile } from './profiles.js';

/** Config → mode → profile → data dir → deps. Throws ConfigError on any misconfiguration. */
export function bootstrap(flags: FlagValues, env: NodeJS.ProcessEnv = process.env, log?: Logger): Deps {
  const config: Config = loadConfig(flags, env);
  const mode = resolveMode(config);
  const profile = loadProfile(config.profile, manifestToolNames());
  loadTierTable(config.tiersPath); // a malformed table or a non-Opus critical model stops start-up (SPEC §6)
  ensureDataDir(config.dataDir);
  const logger = log ?? createLogger(config.logLevel, { pid: process.pid, profile: profile.name });
  return createDeps({ config, profile, mode, brokerName: resolveBroker(config), log: logger });
}
