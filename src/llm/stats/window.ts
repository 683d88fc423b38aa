/**
 * The in-memory side of the routing statistics (both stores): the latest observations of each tier ×
 * model, oldest first, at most about KEEP_RECENT each, and the answered observation of each call still
 * held (a council's verdict lands on it). The adaptive policy reads this synchronously; the stores fill
 * it from their own writes at once and from other processes' rows at each refresh.
 *
 * @example
 *   const w = new ObservationWindow();
 *   w.add('parse', 'deepseek-v3.2', observation);
 *   w.agree(callId, true);
 *   w.recent('parse', 'deepseek-v3.2');
 */
import type { Observation } from '../policies/evidence.js';
import { KEEP_RECENT, type ObservationInput } from './store.js';

const armKey = (tier: string, model: string) => `${tier}\u0000${model}`;

export class ObservationWindow {
  private readonly arms = new Map<string, Observation[]>();
  private readonly byCall = new Map<string, Observation>();

  add(tier: string, model: string, o: Observation): void {
    const key = armKey(tier, model);
    let list = this.arms.get(key);
    if (!list) {
      list = [];
      this.arms.set(key, list);
    }
    list.push(o);
    if (o.outcome === 'ok') this.byCall.set(o.callId, o);
    if (list.length > KEEP_RECENT * 1.25) {
      for (const gone of list.splice(0, list.length - KEEP_RECENT)) if (this.byCall.get(gone.callId) === gone) this.byCall.delete(gone.callId);
    }
  }

  /** A write of this process, before it is durable (the policy sees it at once). */
  addOwn(o: ObservationInput): void {
    const { tier, model, provider: _provider, ...observation } = o;
    this.add(tier, model, { ...observation, agreed: null });
  }

  /** The verdict on a held call's answered observation; a call no longer (or never) held is left alone. */
  agree(callId: string, agreed: boolean): void {
    const o = this.byCall.get(callId);
    if (o) o.agreed = agreed;
  }

  recent(tier: string, model: string): readonly Observation[] {
    return this.arms.get(armKey(tier, model)) ?? [];
  }
}
