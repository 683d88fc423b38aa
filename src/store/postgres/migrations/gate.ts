/** The execution gate's schema (src/execution/postgres/): claims, journal, halt, slots, tickets, cool-downs, audit. */
import { GATE_COMPONENT, GATE_MIGRATIONS } from '../../../execution/postgres/schema.js';
import type { Migration } from '../migrations.js';

export const component = GATE_COMPONENT;

export const migrations: Migration[] = GATE_MIGRATIONS;
