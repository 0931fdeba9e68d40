import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { FunctionInvoker } from '../../sim/lambda/function-invoker.js';
import { InProcessInvoker } from '../../sim/lambda/function-invoker.js';
import { startS3 } from './s3-test-server.js';
import type { RunningS3 } from './s3-test-server.js';

interface S3TestEvent {
  Records: Array<{
    eventVersion: string;
    eventSource: string;
    awsRegion: string;
    eventTime: string;
    eventName: string;
    userIdentity: { principalId: string };
    requestParameters: { sourceIPAddress: string };
    responseElements: Record<string, string>;
    s3: {
      s3SchemaVersion: string;
      configurationId: string;
      bucket: { name: string; ownerIdentity: { principalId: string }; arn: string };
      object: { key: string; size?: number; eTag?: string; sequencer: string };
    };
  }>;
}

let server: RunningS3 | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Resolves with the events a function receives, once `count` have arrived. */
function recordingFunction() {
  const events: S3TestEvent[] = [];
  let notify = () => {};
  return {
    events,
    handler: async (event: unknown) => {
      events.push(event as S3TestEvent);
      notify();
      return undefined;
    },
    async waitFor(count: number) {
      const deadline = Date.now() + 5000;
      while (events.length < count) {
        if (Date.now() > deadline) throw new Error(`only ${events.length} events arrived`);
        await new Promise<void>((resolve) => {
          notify = resolve;
          setTimeout(resolve, 50);
        });
      }
      return events;
    },
  };
}

describe('event notifications', () => {
  it('invokes the configured function with S3’s record shape and the key URL-encoded as S3 does', async () => {
    const indexer = recordingFunction();
    server = await startS3({ region: 'eu-west-1', invoker: new InProcessInvoker({ 'face-indexer': indexer.handler }) });
    server.s3.createBucket({
      name: 'photos',
      notifications: [{ id: 'index-enrolments', events: ['s3:ObjectCreated:*'], prefix: 'enrol/', functionName: 'face-indexer' }],
    });
    const key = 'enrol/user 1/photo é+(1).jpg';
    const body = Buffer.from('jpeg bytes');
    const url = await getSignedUrl(server.client, new PutObjectCommand({ Bucket: 'photos', Key: key }), { expiresIn: 60 });
    const put = await fetch(url, { method: 'PUT', body });
    expect(put.status).toBe(200);

    const [event] = await indexer.waitFor(1);
    expect(event!.Records).toHaveLength(1);
    const record = event!.Records[0]!;
    expect(record).toMatchObject({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'eu-west-1',
      eventName: 'ObjectCreated:Put',
      userIdentity: { principalId: 'AWS:test' },
      requestParameters: { sourceIPAddress: '127.0.0.1' },
      responseElements: { 'x-amz-request-id': put.headers.get('x-amz-request-id'), 'x-amz-id-2': put.headers.get('x-amz-id-2') },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'index-enrolments',
        bucket: { name: 'photos', arn: 'arn:aws:s3:::photos' },
        object: {
          key: 'enrol/user+1/photo+%C3%A9%2B%281%29.jpg',
          size: body.length,
          eTag: createHash('md5').update(body).digest('hex'),
        },
      },
    });
    expect(record.s3.object.sequencer).toMatch(/^[0-9A-F]+$/);
    expect(new Date(record.eventTime).toISOString()).toBe(record.eventTime);
    // What every Lambda does with the key gives back the original.
    expect(decodeURIComponent(record.s3.object.key.replace(/\+/g, ' '))).toBe(key);
  });

  it('honours prefix and suffix filters and the event type', async () => {
    const enrolments = recordingFunction();
    const deletions = recordingFunction();
    server = await startS3({
      invoker: new InProcessInvoker({ enrolments: enrolments.handler, deletions: deletions.handler }),
    });
    server.s3.createBucket({
      name: 'photos',
      notifications: [
        { events: ['s3:ObjectCreated:Put'], prefix: 'enrol/', suffix: '.jpg', functionName: 'enrolments' },
        { events: ['s3:ObjectRemoved:*'], functionName: 'deletions' },
      ],
    });
    for (const key of ['signin/u1/a.jpg', 'enrol/u1/a.png', 'enrol/u1/b.jpg']) {
      await server.client.send(new PutObjectCommand({ Bucket: 'photos', Key: key, Body: key }));
    }
    await server.client.send(new DeleteObjectCommand({ Bucket: 'photos', Key: 'signin/u1/a.jpg' }));
    await server.client.send(new DeleteObjectCommand({ Bucket: 'photos', Key: 'was-never-there' }));

    await enrolments.waitFor(1);
    const [deletion] = await deletions.waitFor(1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(enrolments.events.map((event) => event.Records[0]!.s3.object.key)).toEqual(['enrol/u1/b.jpg']);
    expect(deletions.events).toHaveLength(1);
    expect(deletion!.Records[0]!.eventName).toBe('ObjectRemoved:Delete');
    expect(deletion!.Records[0]!.s3.object).not.toHaveProperty('size');
    expect(deletion!.Records[0]!.s3.configurationId).toBe('notification-2');
  });

  it('invokes the function only after the response has been sent', async () => {
    const timeline: string[] = [];
    const indexer = recordingFunction();
    const invoker = new InProcessInvoker({
      indexer: async (event) => {
        timeline.push('function invoked');
        return indexer.handler(event);
      },
    });
    server = await startS3({ invoker }, (app) => {
      app.addHook('onResponse', async (request) => {
        timeline.push(`response finished: ${request.method}`);
      });
    });
    server.s3.createBucket({ name: 'photos', notifications: [{ events: ['s3:ObjectCreated:*'], functionName: 'indexer' }] });
    await server.client.send(new PutObjectCommand({ Bucket: 'photos', Key: 'a.jpg', Body: 'x' }));
    await indexer.waitFor(1);
    expect(timeline).toEqual(['response finished: PUT', 'function invoked']);
  });

  it('answers the PUT while the function has not returned, and reports a failed delivery to onError', async () => {
    const invoked: string[] = [];
    const errors: unknown[] = [];
    const stuckInvoker: FunctionInvoker = {
      invoke: () => new Promise(() => {}),
      invokeAsync: (functionName) => {
        invoked.push(functionName);
        return functionName === 'broken' ? Promise.reject(new Error('function is down')) : new Promise(() => {});
      },
    };
    server = await startS3({ invoker: stuckInvoker, onError: (error) => errors.push(error) });
    server.s3.createBucket({
      name: 'photos',
      notifications: [
        { events: ['s3:ObjectCreated:*'], functionName: 'never-answers' },
        { events: ['s3:ObjectCreated:*'], functionName: 'broken' },
      ],
    });
    const put = await server.client.send(new PutObjectCommand({ Bucket: 'photos', Key: 'a.jpg', Body: 'x' }));
    expect(put.ETag).toBeDefined();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(invoked).toEqual(['never-answers', 'broken']);
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toContain('function is down');
  });
});

describe('an event the invoker could not keep', () => {
  it('answers the PUT 500 InternalError rather than acknowledge an upload whose event is lost', async () => {
    const errors: unknown[] = [];
    const diskFull = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    const delivered: string[] = [];
    // As the embedded Lambda does when its queue cannot be written: thrown before it returns.
    const fullDiskInvoker: FunctionInvoker = {
      invoke: async () => undefined,
      invokeAsync: (functionName) => {
        if (functionName === 'indexer') throw diskFull;
        delivered.push(functionName);
        return Promise.resolve();
      },
    };
    server = await startS3({ invoker: fullDiskInvoker, onError: (error) => errors.push(error) });
    server.s3.createBucket({
      name: 'photos',
      notifications: [
        { events: ['s3:ObjectCreated:*'], functionName: 'indexer' },
        { events: ['s3:ObjectCreated:*'], functionName: 'audit' },
      ],
    });

    const put = server.client.send(new PutObjectCommand({ Bucket: 'photos', Key: 'a.jpg', Body: 'x' }));

    await expect(put).rejects.toMatchObject({ name: 'InternalError', $metadata: { httpStatusCode: 500 } });
    expect(errors).toEqual([diskFull]);
    // The other function's event was kept, and is delivered.
    expect(delivered).toEqual(['audit']);
  });
});

/** Sends a presigned PUT's head and `bodyBytes` of its `contentLength`-byte body on a raw socket, then hangs up. */
async function putThenHangUp(running: RunningS3, key: string, contentLength: number, bodyBytes: number): Promise<void> {
  const url = new URL(await getSignedUrl(running.client, new PutObjectCommand({ Bucket: 'photos', Key: key }), { expiresIn: 60 }));
  await new Promise<void>((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => {
      socket.write(`PUT ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Length: ${contentLength}\r\n\r\n`);
      socket.end('x'.repeat(bodyBytes), () => {
        socket.destroy();
        resolve();
      });
    });
    socket.on('error', reject);
  });
}

describe('event notifications of uploads whose client hung up', () => {
  it('notifies of an object stored for a client that hung up after its body, before its answer', async () => {
    const indexer = recordingFunction();
    const closedBeforeAnswer: boolean[] = [];
    server = await startS3({ invoker: new InProcessInvoker({ indexer: indexer.handler }) }, (app) => {
      // The whole body is in; the answer waits until the client has gone, as on a busy kit.
      app.addHook('preHandler', async (request) => {
        if (!request.raw.socket.destroyed) await new Promise((resolve) => request.raw.socket.once('close', resolve));
        closedBeforeAnswer.push(request.raw.socket.destroyed);
      });
    });
    server.s3.createBucket({ name: 'photos', notifications: [{ events: ['s3:ObjectCreated:*'], functionName: 'indexer' }] });
    await putThenHangUp(server, 'enrol/u1/photo.jpg', 1000, 1000);

    const [event] = await indexer.waitFor(1);
    expect(closedBeforeAnswer).toEqual([true]);
    expect(event!.Records[0]!.s3.object).toMatchObject({ key: 'enrol/u1/photo.jpg', size: 1000 });
    expect((await server.s3.readObject('photos', 'enrol/u1/photo.jpg'))?.length).toBe(1000);
    expect(server.s3.objectSize('photos', 'enrol/u1/photo.jpg')).toBe(1000);
    expect(server.s3.objectSize('photos', 'enrol/u1/none.jpg')).toBeUndefined();
    expect(server.s3.objectSize('no-such-bucket', 'enrol/u1/photo.jpg')).toBeUndefined();
  });

  it('stores nothing and notifies nobody when the client hangs up in the middle of the body', async () => {
    const indexer = recordingFunction();
    const errors: unknown[] = [];
    server = await startS3({ invoker: new InProcessInvoker({ indexer: indexer.handler }), onError: (error) => errors.push(error) });
    server.s3.createBucket({ name: 'photos', notifications: [{ events: ['s3:ObjectCreated:*'], functionName: 'indexer' }] });
    for (let upload = 0; upload < 5; upload++) await putThenHangUp(server, `enrol/u1/cut-${upload}.jpg`, 100_000, 50_000);
    // A whole upload after them, on the same server: once its event is in, theirs would have been.
    const url = await getSignedUrl(server.client, new PutObjectCommand({ Bucket: 'photos', Key: 'enrol/u1/whole.jpg' }), { expiresIn: 60 });
    expect((await fetch(url, { method: 'PUT', body: 'whole' })).status).toBe(200);

    await indexer.waitFor(1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(indexer.events.map((event) => event.Records[0]!.s3.object.key)).toEqual(['enrol/u1/whole.jpg']);
    for (let upload = 0; upload < 5; upload++) expect(await server.s3.readObject('photos', `enrol/u1/cut-${upload}.jpg`)).toBeUndefined();
    expect(errors).toEqual([]);
  });
});
