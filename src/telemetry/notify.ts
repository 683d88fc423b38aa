/**
 * Notifications (SPEC §17), off by default: webhook sinks for Slack (an incoming-webhook URL), Discord (a
 * webhook URL) and Telegram (the Bot API's sendMessage), configured by variables only — the URLs and the bot
 * token are secrets and never logged:
 *   TRADING_MCP_NOTIFY_SLACK_URL, TRADING_MCP_NOTIFY_DISCORD_URL,
 *   TRADING_MCP_NOTIFY_TELEGRAM_TOKEN + TRADING_MCP_NOTIFY_TELEGRAM_CHAT (TRADING_MCP_NOTIFY_TELEGRAM_API: another Bot API host)
 * Events: halts, refused and submitted orders, pending approvals, budget downgrade steps, the daily digest.
 * `notify()` never waits and never throws: events queue in memory and one background loop posts them, each
 * attempt under a 5 s timeout, a 429 retried once after its Retry-After (at most 10 s), anything else dropped
 * with a warning. A failing or hanging sink therefore never blocks or delays the gate. Shutdown waits up to
 * 3 s for the queue.
 */
import type { Deps } from '../deps.js';

export type NotifyEvent = 'halt' | 'order_refused' | 'order_submitted' | 'approval_pending' | 'budget_step' | 'digest';

export interface Sink {
  name: 'slack' | 'discord' | 'telegram';
  request(text: string): { url: string; body: unknown };
}

const ATTEMPT_TIMEOUT_MS = 5_000;
const MAX_RETRY_AFTER_MS = 10_000;
const MAX_QUEUE = 200;

export function sinksFrom(env: NodeJS.ProcessEnv): Sink[] {
  const sinks: Sink[] = [];
  if (env.TRADING_MCP_NOTIFY_SLACK_URL) sinks.push({ name: 'slack', request: (text) => ({ url: env.TRADING_MCP_NOTIFY_SLACK_URL!, body: { text } }) });
  if (env.TRADING_MCP_NOTIFY_DISCORD_URL)
    sinks.push({ name: 'discord', request: (text) => ({ url: env.TRADING_MCP_NOTIFY_DISCORD_URL!, body: { content: text.slice(0, 2000) } }) });
  const token = env.TRADING_MCP_NOTIFY_TELEGRAM_TOKEN;
  const chat = env.TRADING_MCP_NOTIFY_TELEGRAM_CHAT;
  if (token && chat) {
    const api = (env.TRADING_MCP_NOTIFY_TELEGRAM_API ?? 'https://api.telegram.org').replace(/\/$/, '');
    sinks.push({ name: 'telegram', request: (text) => ({ url: `${api}/bot${token}/sendMessage`, body: { chat_id: chat, text: text.slice(0, 4096) } }) });
  }
  return sinks;
}

/** How long a 429 asks us to wait: Retry-After (seconds), else Telegram's parameters.retry_after or Discord's retry_after. */
async function retryAfterMs(res: Response): Promise<number> {
  const header = Number(res.headers.get('retry-after'));
  if (Number.isFinite(header) && header >= 0) return header * 1000;
  const body = (await res.json().catch(() => ({}))) as { retry_after?: number; parameters?: { retry_after?: number } };
  const s = body.parameters?.retry_after ?? body.retry_after;
  return typeof s === 'number' && s >= 0 ? s * 1000 : 1000;
}

export class Notifier {
  private readonly queue: Array<{ event: NotifyEvent; text: string }> = [];
  private running: Promise<void> | null = null;
  /** Posts that went out and were answered 2xx, by sink (for tests and doctor). */
  readonly delivered: Record<string, number> = {};

  constructor(
    private readonly sinks: readonly Sink[],
    private readonly log: Deps['log'],
  ) {}

  get enabled(): boolean {
    return this.sinks.length > 0;
  }

  notify(event: NotifyEvent, text: string): void {
    if (!this.sinks.length) return;
    if (this.queue.length >= MAX_QUEUE) return void this.log.warn('notification dropped: the queue is full', { event });
    this.queue.push({ event, text: `[tars-trading-mcp] ${text}` });
    this.running ??= this.drain().finally(() => {
      this.running = null;
    });
  }

  private async drain(): Promise<void> {
    for (let next = this.queue.shift(); next; next = this.queue.shift()) {
      const item = next;
      await Promise.all(this.sinks.map((s) => this.post(s, item.event, item.text)));
    }
  }

  private async post(sink: Sink, event: NotifyEvent, text: string, retried = false): Promise<void> {
    const { url, body } = sink.request(text);
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
      });
      if (res.ok) {
        this.delivered[sink.name] = (this.delivered[sink.name] ?? 0) + 1;
        return;
      }
      if (res.status === 429 && !retried) {
        const wait = Math.min(await retryAfterMs(res), MAX_RETRY_AFTER_MS);
        await new Promise((r) => setTimeout(r, wait));
        return this.post(sink, event, text, true);
      }
      this.log.warn('notification not delivered', { sink: sink.name, event, status: res.status });
    } catch (err) {
      this.log.warn('notification not delivered', { sink: sink.name, event, err: (err as Error).name });
    }
  }

  /** Wait for what is queued, at most `ms`. */
  async flush(ms = 3_000): Promise<void> {
    if (this.running) await Promise.race([this.running, new Promise((r) => setTimeout(r, ms))]);
  }
}

const notifiers = new WeakMap<Deps, Notifier>();

/** The process's notifier (sinks from the environment), flushed on shutdown. */
export function notifierOf(deps: Deps, env: NodeJS.ProcessEnv = process.env): Notifier {
  let n = notifiers.get(deps);
  if (!n) {
    n = new Notifier(sinksFrom(env), deps.log.child({ area: 'notify' }));
    notifiers.set(deps, n);
    const made = n;
    if (made.enabled) deps.onClose(() => made.flush());
  }
  return n;
}

/** Fire and forget: never waits, never throws. */
export function notify(deps: Deps, event: NotifyEvent, text: string): void {
  try {
    notifierOf(deps).notify(event, text);
  } catch (err) {
    deps.log.warn('notification failed', { event, err: (err as Error).message });
  }
}
