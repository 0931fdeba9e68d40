// Entry point of the embedded cloud (`npm start`, the container image). Placeholder until the
// services are wired: serves the health route so packaging can be built and tested.
import Fastify from 'fastify';

const port = Number(process.env.PORT ?? 4566);
const host = process.env.HOST ?? '127.0.0.1';

const app = Fastify({ logger: false });
app.get('/_sim/health', async () => ({ status: 'ready' }));
await app.listen({ port, host });
console.log(`facekit sim listening on http://${host}:${port}`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => void app.close().then(() => process.exit(0)));
}
