import { accessSync, constants, statSync } from 'node:fs';
import type { DoctorCheck } from './types.js';

export const foundationChecks: DoctorCheck = async (deps) => {
  const mode = statSync(deps.dataDir).mode & 0o777;
  let writable = true;
  try {
    accessSync(deps.dataDir, constants.W_OK);
  } catch {
    writable = false;
  }
  return [
    { name: 'profile', status: 'ok', detail: `${deps.profile.name} (${deps.profile.tools.length} tools named${deps.profile.readOnly ? ', read-only' : ''})` },
    {
      name: 'mode',
      status: deps.mode === 'live' ? 'warn' : 'ok',
      detail: `${deps.mode} via broker ${deps.brokerName}${deps.mode === 'live' ? ' — LIVE: real money' : ''}`,
    },
    {
      name: 'data dir',
      status: writable && mode === 0o700 ? 'ok' : writable ? 'warn' : 'fail',
      detail: `${deps.dataDir} (mode ${mode.toString(8)}${mode === 0o700 ? '' : ', expected 700'}${writable ? '' : ', not writable'})`,
    },
    {
      name: 'gateway key',
      status: deps.config.gateway.apiKey ? 'ok' : 'warn',
      detail: deps.config.gateway.apiKey ? `configured for ${deps.config.gateway.baseUrl}` : 'not set: LLM tools answer GATEWAY_NOT_CONFIGURED',
    },
  ];
};
