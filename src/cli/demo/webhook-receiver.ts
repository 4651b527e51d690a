import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A local HTTP endpoint that takes the monitor's webhook alerts during `keel demo`, so the
 * webhook sink is exercised for real (POST, JSON body, status code) without a service.
 *
 * @example
 * ```ts
 * const hook = await startWebhookReceiver();
 * hook.url; // http://127.0.0.1:PORT/alerts
 * await hook.close();
 * ```
 */
export async function startWebhookReceiver(): Promise<{
  readonly url: string;
  readonly received: readonly unknown[];
  close(): Promise<void>;
}> {
  const received: unknown[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (c: Buffer) => chunks.push(c));
    request.on("end", () => {
      try {
        received.push(JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown);
        response.writeHead(204).end();
      } catch {
        response.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/alerts`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
