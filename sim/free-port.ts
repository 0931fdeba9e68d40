// A TCP port nobody listens on now, found by letting the OS pick one. Used where the port must be
// known before the server starts (functions' environment, containers published on the same port).
import { createServer } from 'node:net';

/** `host` undefined checks every interface (what Docker publishes on). */
export async function freePort(host?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
