/**
 * The gate's stages in the order they run. A new stage (a dashboard approval between confirmation
 * and human, say) is one file here and one entry in this list (and its name in result.ts STAGES).
 */
import type { GateStage } from '../context.js';
import { confirmStage } from './confirm.js';
import { councilStage } from './council.js';
import { humanStage } from './human.js';
import { idempotencyStage } from './idempotency.js';
import { riskStage } from './risk.js';
import { submitStage } from './submit.js';
import { validateStage } from './validate.js';

export const DEFAULT_STAGES: readonly GateStage[] = [validateStage, idempotencyStage, riskStage, councilStage, confirmStage, humanStage, submitStage];

export { confirmStage, councilStage, humanStage, idempotencyStage, riskStage, submitStage, validateStage };
