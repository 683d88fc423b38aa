/**
 * The HELD-OUT half of the labelled set for lesson retrieval (queries/heldout.json): 79 queries
 * written by an engineer who saw only the lessons' bodies (no situations, no search code, no eval
 * figures), before any tuning on this corpus; 99% share no content word with their target's title;
 * every lesson group is covered. It is only ever scored: no tuning decision reads it.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EvalQuery } from './eval-metrics.js';

export const HELDOUT_SET: EvalQuery[] = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'queries', 'heldout.json'), 'utf8'));
