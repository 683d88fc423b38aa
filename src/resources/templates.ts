/**
 * Resource templates (SPEC §17): one record by its id.
 * - `trading://orders/{client_order_id}`: that order's state in the execution store and every place_order
 *   attempt the audit holds for it (stage verdicts, risk, confirmation, broker order); executor profiles.
 * - `trading://lessons/{id}`: one lesson (shipped, the user's, or a draft) with its front matter and text.
 */
import type { Deps } from '../deps.js';
import { CLIENT_ORDER_ID } from '../orders/symbols.js';

export interface ResourceTemplate {
  uriTemplate: string;
  name: string;
  title: string;
  description: string;
  requiresTool: string;
  /** The parameter from a URI of this template; null when the URI is not one. */
  match(uri: string): string | null;
  /** The body, or null when there is no such record. */
  read(deps: Deps, id: string): Promise<unknown | null>;
}

const matcher = (prefix: string, valid: RegExp) => (uri: string) => {
  if (!uri.startsWith(prefix)) return null;
  const id = decodeURIComponent(uri.slice(prefix.length));
  return valid.test(id) ? id : null;
};

export const orderTemplate: ResourceTemplate = {
  uriTemplate: 'trading://orders/{client_order_id}',
  name: 'order',
  title: 'One order',
  description: 'An order by its client_order_id: its state in the execution store and every place_order attempt audited for it, newest first.',
  requiresTool: 'place_order',
  match: matcher('trading://orders/', CLIENT_ORDER_ID),
  async read(deps, id) {
    const { getGateStore } = await import('../execution/gate-store.js');
    const store = await getGateStore(deps);
    const [order, attempts] = await Promise.all([store.getOrder(id), store.auditFor(id)]);
    return order || attempts.length ? { client_order_id: id, order, attempts } : null;
  },
};

export const lessonTemplate: ResourceTemplate = {
  uriTemplate: 'trading://lessons/{id}',
  name: 'lesson',
  title: 'One lesson',
  description: 'A lesson by its id (as search_lessons returns it): title, tags, symbols, strategies, situations, block rule, draft state and text.',
  requiresTool: 'search_lessons',
  match: matcher('trading://lessons/', /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/),
  async read(deps, id) {
    const { getLessonLibrary } = await import('../lessons/index.js');
    return (await (await getLessonLibrary(deps)).fresh()).lessons.find((l) => l.id === id) ?? null;
  },
};

export const RESOURCE_TEMPLATES: readonly ResourceTemplate[] = [orderTemplate, lessonTemplate];
