// Starts the S3 emulator on a real port with the real SDK client pointed at it.
import { S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { connect } from 'node:net';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { answerS3ClientErrors } from '../../sim/s3/client-errors.js';
import { answerS3FrameworkError, createS3Service, S3_ROUTER_OPTIONS } from '../../sim/s3/s3-service.js';
import type { S3Service, S3ServiceOptions } from '../../sim/s3/s3-service.js';
import type { FunctionInvoker } from '../../sim/lambda/function-invoker.js';

export interface RunningS3 {
  app: FastifyInstance;
  s3: S3Service;
  endpoint: string;
  client: S3Client;
  clientWith(credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }): S3Client;
  close(): Promise<void>;
}

export async function startS3(options: S3ServiceOptions = {}, configure?: (app: FastifyInstance) => void): Promise<RunningS3> {
  // As the embedded cloud does: S3's answer to a path Fastify cannot decode, long bucket names routed.
  const app = Fastify({ routerOptions: S3_ROUTER_OPTIONS, frameworkErrors: answerS3FrameworkError });
  configure?.(app);
  const s3 = createS3Service(options);
  await app.register(s3.routes);
  // S3 alone on this server: every refusal of Node's parser is S3's to answer.
  answerS3ClientErrors(app.server, () => true);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  const endpoint = `http://127.0.0.1:${address.port}`;
  const clients: S3Client[] = [];
  const clientWith = (credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) => {
    // Signed for the emulator's region: a bucket refuses requests signed for another.
    const client = new S3Client({ region: options.region ?? 'us-east-1', endpoint, forcePathStyle: true, credentials, maxAttempts: 1 });
    clients.push(client);
    return client;
  };
  const client = clientWith({ accessKeyId: 'test', secretAccessKey: 'test' });
  return {
    app,
    s3,
    endpoint,
    client,
    clientWith,
    async close() {
      for (const each of clients) each.destroy();
      await s3.close();
      await app.close();
    },
  };
}

/** The S3 error a call failed with (anything else fails the test). */
export async function errorOf(promise: Promise<unknown>): Promise<S3ServiceException> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof S3ServiceException) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

/** Sends `bytes` to `endpoint` on a raw socket, half-closes it, and returns everything sent back. */
export function exchangeRaw(endpoint: string, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(new URL(endpoint).port), '127.0.0.1', () => socket.end(bytes));
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
  });
}

/** An invoker that records each event as it is handed over, before the response goes out. */
export function recordingInvoker() {
  const events: Array<{ functionName: string; eventName: string; key: string; eTag?: string; size?: number }> = [];
  const invoker: FunctionInvoker = {
    invoke: () => Promise.reject(new Error('not used')),
    invokeAsync: (functionName, event) => {
      const record = (event as { Records: Array<{ eventName: string; s3: { object: { key: string; eTag?: string; size?: number } } }> }).Records[0]!;
      events.push({ functionName, eventName: record.eventName, key: record.s3.object.key, eTag: record.s3.object.eTag, size: record.s3.object.size });
      return Promise.resolve();
    },
  };
  return { events, invoker };
}
