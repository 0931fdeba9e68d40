import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { startS3 } from './s3-test-server.js';
import type { RunningS3 } from './s3-test-server.js';

let server: RunningS3;

beforeEach(async () => {
  server = await startS3();
  server.s3.createBucket({
    name: 'photos',
    cors: [
      {
        AllowedMethods: ['PUT', 'GET'],
        AllowedOrigins: ['http://localhost:5173', 'https://*.example.com'],
        AllowedHeaders: ['content-type', 'x-amz-*'],
        ExposedHeaders: ['ETag'],
        MaxAge: 300,
      },
    ],
  });
  server.s3.createBucket({ name: 'no-cors' });
});
afterEach(async () => {
  await server.close();
});

function preflight(path: string, headers: Record<string, string>) {
  return fetch(`${server.endpoint}${path}`, { method: 'OPTIONS', headers });
}

describe('CORS', () => {
  it('answers an allowed preflight with the rule’s origin, methods, headers and max age', async () => {
    const response = await preflight('/photos/enrol/u1/x', {
      origin: 'http://localhost:5173',
      'access-control-request-method': 'PUT',
      'access-control-request-headers': 'Content-Type',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(response.headers.get('access-control-allow-methods')).toBe('PUT, GET');
    expect(response.headers.get('access-control-allow-headers')).toBe('content-type');
    expect(response.headers.get('access-control-max-age')).toBe('300');
    expect(response.headers.get('access-control-expose-headers')).toBe('ETag');
  });

  it('matches wildcard origins', async () => {
    const response = await preflight('/photos/x', { origin: 'https://app.example.com', 'access-control-request-method': 'GET' });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
  });

  it.each([
    ['an unknown origin', { origin: 'http://evil.test', 'access-control-request-method': 'PUT' }],
    ['a method no rule allows', { origin: 'http://localhost:5173', 'access-control-request-method': 'DELETE' }],
    ['a header no rule allows', { origin: 'http://localhost:5173', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'authorization' }],
  ])('refuses a preflight with %s with 403 CORSResponse', async (_case, headers) => {
    const response = await preflight('/photos/x', headers);
    expect(response.status).toBe(403);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    const body = await response.text();
    expect(body).toContain('<Code>AccessForbidden</Code>');
    expect(body).toContain('<Message>CORSResponse: This CORS request is not allowed.');
  });

  it('refuses a preflight on a bucket without CORS rules', async () => {
    const response = await preflight('/no-cors/x', { origin: 'http://localhost:5173', 'access-control-request-method': 'PUT' });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('CORSResponse: CORS is not enabled for this bucket.');
  });

  it('adds CORS headers to the actual presigned PUT from an allowed origin, and none for others', async () => {
    const url = await getSignedUrl(server.client, new PutObjectCommand({ Bucket: 'photos', Key: 'enrol/u1/p.jpg' }), { expiresIn: 60 });
    const allowed = await fetch(url, { method: 'PUT', body: 'jpeg', headers: { origin: 'http://localhost:5173' } });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(allowed.headers.get('access-control-expose-headers')).toBe('ETag');

    const other = await fetch(url, { method: 'PUT', body: 'jpeg', headers: { origin: 'http://evil.test' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();

    // Errors too, so the page can read why its upload failed.
    const tampered = await fetch(url.replace('enrol/u1', 'enrol/u2'), { method: 'PUT', body: 'jpeg', headers: { origin: 'http://localhost:5173' } });
    expect(tampered.status).toBe(403);
    expect(tampered.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
  });
});
