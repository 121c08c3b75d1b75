// One request over a fresh WebSocket from inside the page (what the renderer's client does): the
// e2e tests start jobs and ask for state through the page's own origin and token.
import type { Page } from 'playwright-core';

export async function rpc<T>(page: Page, method: string, params: unknown): Promise<T> {
  const reply = await page.evaluate(
    async ([m, p]) => {
      const token = new URLSearchParams(location.search).get('token') ?? '';
      const ws = new WebSocket(`ws://${location.host}/ws?token=${encodeURIComponent(token)}`);
      await new Promise((resolve, reject) => {
        ws.onopen = resolve;
        ws.onerror = () => reject(new Error('ws error'));
      });
      const r = await new Promise<{ ok: boolean; value?: unknown; error?: { message: string } }>((resolve) => {
        ws.onmessage = (ev) => {
          const msg = JSON.parse(String(ev.data)) as { kind: string; id: number; ok: boolean };
          if (msg.kind === 'reply' && msg.id === 1) resolve(msg);
        };
        ws.send(JSON.stringify({ id: 1, method: m, params: p }));
      });
      ws.close();
      return r;
    },
    [method, params] as const,
  );
  if (!reply.ok) throw new Error(`${method}: ${reply.error?.message}`);
  return reply.value as T;
}

/** A CSS attribute selector's value: quotes and backslashes escaped (paths may hold `\xNN`). */
export function cssValue(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
