// A paced (open-loop, wrk2-style) load generator: sends requests at a fixed rate on a timer,
// spread evenly over keep-alive connections, and measures each latency from the moment the
// request was SCHEDULED, so a stall on the server shows up in the tail instead of silently
// slowing the sender (coordinated omission). autocannon's `overallRate` releases requests in
// bursts, which made the half-rate p99 meaningless; this sends one request every 1/rate s.
//
// Library use (bench/serve/run.mjs): `await paced({ url, path, bodies, rate, seconds, connections })`.
// CLI: node bench/serve/paced.mjs URL PATH RATE SECONDS < bodies.jsonl
import net from "node:net";

/**
 * Drives `rate` requests per second for `seconds` and returns latency percentiles in ms.
 * @param {{ url: string, path: string, bodies: string[], rate: number, seconds: number, connections?: number, headers?: Record<string,string> }} o
 */
export async function paced(o) {
  const { hostname, port } = new URL(o.url);
  const connections = o.connections ?? 8;
  // Prebuilt raw HTTP/1.1 requests on plain sockets: Node's http client costs ~0.2 ms of CPU
  // per request, too much to pace thousands per second from one process; this costs little.
  const requests = o.bodies.map((b) => {
    const body = Buffer.from(b);
    const head = `POST ${o.path} HTTP/1.1\r\nhost: ${hostname}:${port}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n`;
    return Buffer.concat([Buffer.from(head), body]);
  });
  const latencies = [];
  let non2xx = 0;
  let errors = 0;
  let sent = 0;
  let answered = 0;
  const sockets = await Promise.all(
    Array.from({ length: connections }, () => openConnection(hostname, Number(port))),
  );
  for (const c of sockets) {
    c.onResponse = (status) => {
      const scheduled = c.queue.shift();
      answered++;
      if (status < 200 || status >= 300) non2xx++;
      latencies.push(performance.now() - scheduled);
    };
    c.socket.on("error", () => errors++);
  }
  const total = Math.floor(o.rate * o.seconds);
  const started = performance.now();
  const interval = 1000 / o.rate;
  await new Promise((resolve) => {
    const tick = () => {
      const now = performance.now();
      // Send everything whose scheduled time has come, each timed from its own schedule,
      // round-robin over the connections (pipelined when a connection is still busy).
      while (sent < total && started + sent * interval <= now) {
        const c = sockets[sent % connections];
        c.queue.push(started + sent * interval);
        c.socket.write(requests[sent % requests.length]);
        sent++;
      }
      if (sent < total) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  const deadline = performance.now() + 10_000;
  while (answered + errors < sent && performance.now() < deadline)
    await new Promise((r) => setTimeout(r, 5));
  for (const c of sockets) c.socket.destroy();
  latencies.sort((a, b) => a - b);
  const q = (p) =>
    latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? null;
  return {
    rate: o.rate,
    achieved: latencies.length / o.seconds,
    requests: latencies.length,
    p50: q(0.5),
    p90: q(0.9),
    p99: q(0.99),
    max: latencies.at(-1) ?? null,
    non2xx,
    errors,
  };
}

/** A keep-alive socket that calls `onResponse(status)` per complete response, in order. */
function openConnection(host, port) {
  return new Promise((resolve, reject) => {
    const c = { socket: net.connect(port, host), queue: [], onResponse: () => {} };
    let buffer = Buffer.alloc(0);
    c.socket.setNoDelay(true);
    c.socket.on("data", (chunk) => {
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
      for (;;) {
        const end = buffer.indexOf("\r\n\r\n");
        if (end < 0) return;
        const head = buffer.toString("latin1", 0, end);
        const length = Number(/content-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
        if (buffer.length < end + 4 + length) return;
        buffer = buffer.subarray(end + 4 + length);
        c.onResponse(Number(head.slice(9, 12)));
      }
    });
    c.socket.once("connect", () => resolve(c));
    c.socket.once("error", reject);
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [url, path, rate, seconds] = process.argv.slice(2);
  const { readFileSync } = await import("node:fs");
  const bodies = readFileSync(0, "utf8").split("\n").filter(Boolean);
  console.log(
    JSON.stringify(
      await paced({ url, path, bodies, rate: Number(rate), seconds: Number(seconds) }),
    ),
  );
}
