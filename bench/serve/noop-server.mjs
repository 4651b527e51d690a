// The ceiling of the HTTP stack: a Fastify route that parses the same JSON body and answers a
// constant, on the Fastify version keel uses. Usage: node noop-server.mjs PORT
import Fastify from "fastify";

const app = Fastify({ logger: false });
app.post("/noop", async () => ({ predictions: [{ prediction: 0.5 }] }));
await app.listen({ host: "127.0.0.1", port: Number(process.argv[2] ?? 8092) });
process.stderr.write("noop listening\n");
process.on("SIGTERM", () => app.close().then(() => process.exit(0)));
