/**
 * The progress race the E2E tests step around (test/support/client.ts callToolWithProgress): a real SDK
 * Client on a transport that delivers a call's last progress notifications and its response in one read,
 * as stdio does when the client is slow to read. `onprogress` may lose the ones read with the response
 * (modelcontextprotocol/typescript-sdk#2580); callToolWithProgress must see every one, in order.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, test } from 'vitest';
import { callToolWithProgress } from '../../support/client.js';

/** Answers initialize, and each tools/call with three progress notifications and the result in one synchronous burst. */
class BurstTransport implements Transport {
  onmessage?: (message: JSONRPCMessage) => void;
  onclose?: () => void;
  onerror?: (error: Error) => void;

  async start(): Promise<void> {}
  async close(): Promise<void> {
    this.onclose?.();
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (!('method' in message) || !('id' in message)) return;
    const id = message.id;
    if (message.method === 'initialize') {
      const result = {
        protocolVersion: (message.params as { protocolVersion: string }).protocolVersion,
        capabilities: { tools: {} },
        serverInfo: { name: 'burst', version: '0' },
      };
      queueMicrotask(() => this.onmessage?.({ jsonrpc: '2.0', id, result }));
      return;
    }
    const token = (message.params as { _meta?: { progressToken?: string | number } })._meta?.progressToken;
    setImmediate(() => {
      for (let i = 1; i <= 3; i++) {
        if (token !== undefined)
          this.onmessage?.({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: token, progress: i, total: 3, message: `step ${i}` } });
      }
      this.onmessage?.({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: 'done' }] } });
    });
  }
}

async function connected(): Promise<{ client: Client; errors: string[] }> {
  const client = new Client({ name: 'progress-race', version: '0' });
  const errors: string[] = [];
  client.onerror = (e) => void errors.push(e.message);
  await client.connect(new BurstTransport());
  return { client, errors };
}

describe('progress read in the same burst as the response', () => {
  test('callToolWithProgress sees every notification, in order, and raises no protocol error', async () => {
    const { client, errors } = await connected();
    for (let call = 0; call < 3; call++) {
      const { result, progress } = await callToolWithProgress(client, 'anything');
      expect(result.isError).toBeFalsy();
      expect(progress).toEqual([1, 2, 3].map((i) => ({ progress: i, total: 3, message: `step ${i}` })));
    }
    expect(errors).toEqual([]);
    await client.close();
  });

  test('the SDK’s own onprogress is what loses them (the reason for the helper; if this starts failing, the SDK fixed #2580)', async () => {
    const { client, errors } = await connected();
    const seen: number[] = [];
    await client.callTool({ name: 'anything', arguments: {} }, undefined, { onprogress: (p) => void seen.push(p.progress) });
    await new Promise((r) => setImmediate(r));
    expect(seen.length).toBeLessThan(3);
    expect(errors.some((m) => m.includes('unknown token'))).toBe(true);
    await client.close();
  });
});
