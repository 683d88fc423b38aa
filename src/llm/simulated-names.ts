/** The gateway settings simulated models stand in for (cheap to import at start-up; the stand-in itself is ./simulated.ts). */
export const SIMULATED_API_KEY = 'simulated-models';
export const SIMULATED_BASE_URL = 'http://simulated-models.invalid/v1';
export const SIMULATED_NOTE =
  'SIMULATED MODELS: no language model was called; council votes, the Opus confirmation and model text are scripted stand-ins (sim broker only).';
