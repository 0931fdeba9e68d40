// A client that starts an upload and never finishes it, for refusals that must not wait for the body.
import { connect } from 'node:net';

/**
 * Sends `head` (a request's headers and maybe the start of its body) on a raw socket and keeps
 * the socket open, as a client still uploading would: resolves with the answer's status and body
 * once the server has answered; a server that waits for the rest of the body never resolves.
 */
export function answerBeforeBody(endpoint: string, head: string, waitMs = 10_000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(new URL(endpoint).port), '127.0.0.1', () => socket.write(head));
    // A bound on a failure, not a measure of speed: the answer needs nothing that is not there.
    socket.setTimeout(waitMs, () => {
      socket.destroy();
      reject(new Error(`no answer in ${waitMs} ms: the server waits for the rest of the body`));
    });
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      const bodyAt = received.indexOf('\r\n\r\n');
      const length = /\r\ncontent-length: (\d+)/i.exec(received)?.[1];
      if (bodyAt < 0 || length === undefined || received.length - bodyAt - 4 < Number(length)) return;
      socket.destroy();
      resolve({ status: Number(received.split(' ')[1]), body: received.slice(bodyAt + 4) });
    });
    socket.on('error', reject);
  });
}
