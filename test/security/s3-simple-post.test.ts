// A page on another origin may send a POST without asking first (a "simple" request: text/plain
// body, no custom header), and S3 takes its signature from the query string. The kit's key is no
// secret (`test`/`test`), so such a page could presign a DeleteObjects of its own and delete
// objects in the upload bucket: a fourth attacker audit did it from headless Chromium on
// http://127.0.0.1:<another port> with `fetch(url, { method: 'POST', mode: 'no-cors' })`. The
// bucket's CORS rules, which refuse that origin every other write (PUT and DELETE need a
// preflight), now refuse it this one too.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeleteObjectsCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { startS3, type RunningS3 } from '../s3/s3-test-server.js';

let server: RunningS3;

beforeEach(async () => {
  server = await startS3();
  server.s3.createBucket({
    name: 'uploads',
    cors: [{ AllowedMethods: ['PUT'], AllowedOrigins: ['http://localhost:5173'], AllowedHeaders: ['*'] }],
  });
  await server.client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'signin/photo', Body: 'a photo' }));
});
afterEach(async () => {
  await server.close();
});

/** What a page signs with the well-known key and sends without a preflight. */
async function presignedDeleteObjects(bucket = 'uploads', key = 'signin/photo'): Promise<{ url: string; body: string }> {
  const command = new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: key }] } });
  let body = '';
  command.middlewareStack.add(
    (next) => async (args) => {
      body = String((args.request as { body?: unknown }).body);
      return next(args);
    },
    { step: 'build', priority: 'low' },
  );
  return { url: await getSignedUrl(server.client, command, { expiresIn: 300 }), body };
}

const photoStored = () =>
  server.client.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'signin/photo' })).then(
    () => true,
    () => false,
  );

describe('a POST a page on another origin sends without a preflight', () => {
  it('refuses a presigned DeleteObjects from an origin the bucket’s CORS rules do not allow, and deletes nothing', async () => {
    const { url, body } = await presignedDeleteObjects();
    const response = await fetch(url, { method: 'POST', headers: { origin: 'http://127.0.0.1:4799', 'content-type': 'text/plain;charset=UTF-8' }, body });
    expect(response.status).toBe(403);
    const text = await response.text();
    expect(text).toContain('<Code>AccessForbidden</Code>');
    expect(text).toContain('<Method>POST</Method>');
    expect(await photoStored()).toBe(true);
  });

  it('refuses it from an opaque origin (`null`: a sandboxed frame, a file:// page)', async () => {
    const { url, body } = await presignedDeleteObjects();
    const response = await fetch(url, { method: 'POST', headers: { origin: 'null', 'content-type': 'text/plain' }, body });
    expect(response.status).toBe(403);
    expect(await photoStored()).toBe(true);
  });

  it('still runs the same call from a client that names no origin (the SDK, the CLI, boto3)', async () => {
    const { url, body } = await presignedDeleteObjects();
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body });
    expect(response.status).toBe(200);
    expect(await photoStored()).toBe(false);
  });

  it('still runs it from an origin a rule allows to POST', async () => {
    server.s3.createBucket({ name: 'open', cors: [{ AllowedMethods: ['POST'], AllowedOrigins: ['*'] }] });
    await server.client.send(new PutObjectCommand({ Bucket: 'open', Key: 'x', Body: 'x' }));
    const { url, body } = await presignedDeleteObjects('open', 'x');
    const response = await fetch(url, { method: 'POST', headers: { origin: 'https://app.example.com', 'content-type': 'text/plain' }, body });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<Deleted><Key>x</Key></Deleted>');
  });
});
