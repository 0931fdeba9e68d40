// CORS as a browser meets it: the JSON APIs answer any origin as AWS's endpoints do (but signed calls,
// made with the kit's public key, only from the web origins), the kit's own
// routes (`/_sim/*`, the JWKS) answer the stack's web origins, bucket paths keep S3's CORS, and
// stray browser requests (/favicon.ico, unknown paths, the bare endpoint) are not S3 access errors.
// The same preflights are made by a real browser in vite-dev-server.test.ts.
import { resolve } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS } from '../../sim/embedded-cloud.js';
import { buildWebPageIfChanged } from '../../sim/web-page/build-cache.js';
import { startHarness, type Harness } from '../e2e/embedded-cloud-harness.js';

let harness: Harness;
/** An app's origin the stack does not list, let in on this kit by FACEKIT_WEB_ORIGINS. */
const EXTRA_ORIGIN = 'http://localhost:5999';
const savedWebOrigins = process.env.FACEKIT_WEB_ORIGINS;

beforeAll(async () => {
  process.env.FACEKIT_WEB_ORIGINS = ` ${EXTRA_ORIGIN} `;
  // The favicon is served from the built page, as `npm start` builds it: build it here too, so the
  // test does not depend on another test file having built web/dist first.
  const [started] = await Promise.all([startHarness({ keepLog: true }), buildWebPageIfChanged({ projectDir: resolve(import.meta.dirname, '../..') })]);
  harness = started;
}, 180_000);

afterAll(async () => {
  if (savedWebOrigins === undefined) delete process.env.FACEKIT_WEB_ORIGINS;
  else process.env.FACEKIT_WEB_ORIGINS = savedWebOrigins;
  await harness?.close();
});

/** What Chromium sends before Amplify's first Cognito call from a page on `origin`. */
const amplifyPreflight = (origin: string, path = '/') =>
  fetch(`${harness.endpoint}${path}`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'cache-control,content-type,x-amz-target,x-amz-user-agent',
    },
  });

const signUp = (origin: string, body: Record<string, unknown>) =>
  fetch(`${harness.endpoint}/`, {
    method: 'POST',
    headers: { origin, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityProviderService.SignUp' },
    body: JSON.stringify(body),
  });

describe('the Cognito JSON endpoint, from a page on another origin', () => {
  it.each(['http://localhost:5173', 'https://app.example.com'])('answers a preflight from %s as AWS does: any origin, POST, the asked headers', async (origin) => {
    const response = await amplifyPreflight(origin);

    expect(response.status).toBe(200);
    expect(Object.fromEntries([...response.headers].filter(([name]) => name.startsWith('access-control-')))).toEqual({
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'POST',
      'access-control-allow-headers': 'cache-control,content-type,x-amz-target,x-amz-user-agent',
      'access-control-expose-headers': 'x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date',
      'access-control-max-age': '172800',
    });
  });

  it('lets any origin read answers and errors, with the error type exposed', async () => {
    const email = 'cors-signup@example.com';
    const body = { ClientId: harness.outputs.UserPoolClientId, Username: email, Password: 'Unused-Pa55word!', UserAttributes: [{ Name: 'email', Value: email }] };

    const created = await signUp('http://127.0.0.1:3000', body);
    const again = await signUp('https://app.example.com', body);

    expect(created.status).toBe(200);
    expect(created.headers.get('access-control-allow-origin')).toBe('*');
    expect(again.status).toBe(400);
    expect(again.headers.get('access-control-allow-origin')).toBe('*');
    expect(again.headers.get('access-control-expose-headers')).toContain('x-amzn-ErrorType');
    expect(again.headers.get('x-amzn-errortype')).toMatch(/^UsernameExistsException/);
  });

  it('takes a preflight naming X-Amz-Target even on a path S3 would serve, and leaves bucket preflights to S3', async () => {
    const bucketPath = `/${harness.outputs.BucketName}/enrol/someone/photo`;

    const json = await amplifyPreflight('http://localhost:5173', bucketPath);
    const upload = await fetch(`${harness.endpoint}${bucketPath}`, {
      method: 'OPTIONS',
      headers: { origin: 'http://127.0.0.1:5173', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    const strangerUpload = await fetch(`${harness.endpoint}${bucketPath}`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });

    expect(json.headers.get('access-control-allow-methods')).toBe('POST');
    expect(upload.status).toBe(200);
    expect(upload.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:5173');
    expect(upload.headers.get('access-control-allow-methods')).toBe('POST');
    expect(strangerUpload.status).toBe(403);
  });
});

describe('signed calls from a page, made with the kit’s well-known key', () => {
  /** What Chromium sends before an SDK's signed DynamoDB call from a page on `origin`. */
  const signedCallPreflight = (origin: string) =>
    fetch(`${harness.endpoint}/`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'amz-sdk-invocation-id,amz-sdk-request,authorization,content-type,x-amz-date,x-amz-target,x-amz-user-agent',
      },
    });
  const listTablesFrom = (origin: string) => {
    const client = new DynamoDBClient({ region: harness.outputs.Region, endpoint: harness.endpoint, credentials: LOCAL_CREDENTIALS });
    client.middlewareStack.add((next) => async (args) => {
      (args.request as { headers: Record<string, string> }).headers.origin = origin;
      return next(args);
    }, { step: 'finalizeRequest', name: 'pageOrigin' });
    let allowOrigin: string | undefined;
    client.middlewareStack.add((next) => async (args) => {
      const result = await next(args);
      allowOrigin = (result.response as { headers: Record<string, string> }).headers['access-control-allow-origin'];
      return result;
    }, { step: 'deserialize', name: 'readAllowOrigin' });
    return client.send(new ListTablesCommand({})).then((listed) => ({ listed, allowOrigin }));
  };

  it('lets no page on an outsider’s site send them: it could read and rewrite every user (a face id on someone’s record)', async () => {
    const preflight = await signedCallPreflight('https://evil.example');
    const answered = await listTablesFrom('https://evil.example');

    expect(preflight.status).toBe(403);
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    // Had a browser sent it anyway, the page could not read the answer.
    expect(answered.listed.TableNames).toContain(harness.outputs.UsersTableName);
    expect(answered.allowOrigin).toBeUndefined();
  });

  it('lets a page on a web origin send them, as the stack’s dev servers may', async () => {
    const preflight = await signedCallPreflight('http://localhost:5173');
    const answered = await listTablesFrom('http://localhost:5173');

    expect(preflight.status).toBe(200);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('authorization');
    expect(answered.allowOrigin).toBe('*');
  });
});

describe('the kit’s own page, opened by any loopback name on the kit’s port', () => {
  // The harness runs on a free port, never 4566: the stack's web origins do not list it, as they
  // do not list the port of `npm start -- --port 5000`. The upload form's URL names 127.0.0.1.
  const port = () => new URL(harness.endpoint).port;
  const uploadPreflight = (origin: string) =>
    fetch(`${harness.endpoint}/${harness.outputs.BucketName}/enrol/someone/photo`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });

  it.each(['localhost', '127.0.0.1', '[::1]'])('lets the page on http://%s:<port> upload its photo', async (host) => {
    const origin = `http://${host}:${port()}`;

    const response = await uploadPreflight(origin);

    expect([response.status, response.headers.get('access-control-allow-origin'), response.headers.get('access-control-allow-methods')]).toEqual([200, origin, 'POST']);
  });

  it('lets no other port or name upload that the stack did not list', async () => {
    const others = [`http://localhost:${Number(port()) + 1}`, `https://localhost:${port()}`, `http://kit.example.com:${port()}`];

    const statuses = await Promise.all(others.map(async (origin) => (await uploadPreflight(origin)).status));

    expect(statuses).toEqual([403, 403, 403]);
  });

  it('lets the page on http://[::1]:<port> read the kit’s own routes', async () => {
    const origin = `http://[::1]:${port()}`;

    const response = await fetch(`${harness.endpoint}/_sim/outputs`, { headers: { origin } });

    expect(response.headers.get('access-control-allow-origin')).toBe(origin);
  });
});

describe('the kit’s own routes, for the web origins', () => {
  const read = (path: string, origin: string) => fetch(`${harness.endpoint}${path}`, { headers: { origin } });

  it.each(['http://localhost:5173', 'http://127.0.0.1:5173', 'http://localhost:3000', 'http://127.0.0.1:3000'])(
    'lets a page on %s read the outputs, the outbox and the health',
    async (origin) => {
      const paths = ['/_sim/outputs', '/_sim/emails?to=nobody@example.com', '/_sim/health'];

      const responses = await Promise.all(paths.map((path) => read(path, origin)));

      expect(responses.map((response) => [response.status, response.headers.get('access-control-allow-origin')])).toEqual(paths.map(() => [200, origin]));
    },
  );

  it('lets a page on any origin read the pool’s JWKS and OpenID configuration, public documents, as Cognito does', async () => {
    const pool = harness.outputs.UserPoolId;
    for (const path of [`/${pool}/.well-known/jwks.json`, `/${pool}/.well-known/openid-configuration`]) {
      for (const origin of ['http://localhost:8080', 'https://app.example.com']) {
        const response = await read(path, origin);
        expect([response.status, response.headers.get('access-control-allow-origin')], `${path} from ${origin}`).toEqual([200, '*']);
        const preflight = await fetch(`${harness.endpoint}${path}`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'GET' } });
        expect([preflight.status, preflight.headers.get('access-control-allow-origin')]).toEqual([204, '*']);
      }
    }
    // The outbox stays the web origins' only.
    expect((await read('/_sim/emails?to=nobody@example.com', 'https://app.example.com')).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('lets the kit’s own origin read them and no other origin', async () => {
    const own = await read('/_sim/outputs', harness.endpoint);
    const stranger = await read('/_sim/outputs', 'https://evil.example');

    expect(own.headers.get('access-control-allow-origin')).toBe(harness.endpoint);
    expect(stranger.status).toBe(200);
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
    expect(stranger.headers.get('vary')).toContain('Origin');
  });

  it('answers their preflights for the web origins only', async () => {
    const preflight = (origin: string) =>
      fetch(`${harness.endpoint}/_sim/outputs`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'cache-control' },
      });

    const allowed = await preflight('http://localhost:5173');
    const refused = await preflight('https://evil.example');

    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(allowed.headers.get('access-control-allow-headers')).toBe('cache-control');
    expect(refused.status).toBe(403);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('an origin FACEKIT_WEB_ORIGINS adds, on this kit only', () => {
  it('may read the kit’s routes and upload a photo, as a web origin of the stack may', async () => {
    const outputs = await fetch(`${harness.endpoint}/_sim/outputs`, { headers: { origin: EXTRA_ORIGIN } });
    const upload = await fetch(`${harness.endpoint}/${harness.outputs.BucketName}/enrol/someone/photo?X-Amz-Signature=${'ab'.repeat(32)}`, {
      method: 'OPTIONS',
      headers: { origin: EXTRA_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });

    expect(outputs.headers.get('access-control-allow-origin')).toBe(EXTRA_ORIGIN);
    expect(upload.status).toBe(200);
    expect(upload.headers.get('access-control-allow-origin')).toBe(EXTRA_ORIGIN);
    expect(harness.log.filter((line) => line.startsWith(`CORS: refused a page on ${EXTRA_ORIGIN} `))).toEqual([]);
  });
});

describe('an origin outside the web origins', () => {
  it('is named once on the kit’s output, with where the list lives, since the browser only says a header is missing', async () => {
    const app = 'http://localhost:5199';
    const signedUpload = `/${harness.outputs.BucketName}/enrol/someone/photo?X-Amz-Signature=${'ab'.repeat(32)}`;

    const outputs = await fetch(`${harness.endpoint}/_sim/outputs`, { headers: { origin: app } });
    const upload = await fetch(`${harness.endpoint}${signedUpload}`, {
      method: 'OPTIONS',
      headers: { origin: app, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    const cognito = await amplifyPreflight(app);
    await fetch(`${harness.endpoint}/_sim/outputs`, { headers: { origin: 'http://localhost:5173' } });

    expect([outputs.headers.get('access-control-allow-origin'), upload.status, cognito.status]).toEqual([null, 403, 200]);
    const hints = harness.log.filter((line) => line.startsWith('CORS:'));
    expect(hints.filter((line) => line.includes(app))).toEqual([
      expect.stringMatching(/^CORS: refused a page on http:\/\/localhost:5199 \(GET \/_sim\/outputs\): it is not one of the web origins \(http:\/\/localhost:4566, .*\)\. Add it to "webOrigins" in the context of cdk\.json .*, or, for this local kit only, start it with FACEKIT_WEB_ORIGINS=http:\/\/localhost:5999,http:\/\/localhost:5199;/),
    ]);
    expect(hints.filter((line) => line.includes('5173') && !line.includes('web origins ('))).toEqual([]);
    expect(harness.log.join('\n')).not.toContain('X-Amz-Signature');
  });

  it('names the request refused, not a Cognito call before it that the JSON APIs answered for any origin', async () => {
    const app = 'http://localhost:5198';
    const cognito = await signUp(app, { ClientId: harness.outputs.UserPoolClientId, Username: 'cors-hint@example.com', Password: 'Passw0rd!Passw0rd' });
    const upload = await fetch(`${harness.endpoint}/${harness.outputs.BucketName}/enrol/someone/photo`, {
      method: 'OPTIONS',
      headers: { origin: app, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });

    expect([cognito.headers.get('access-control-allow-origin'), upload.status]).toEqual(['*', 403]);
    expect(harness.log.filter((line) => line.startsWith('CORS:') && line.includes(app))).toEqual([
      expect.stringMatching(new RegExp(`^CORS: refused a page on ${app} \\(POST preflight /${harness.outputs.BucketName}/enrol/someone/photo\\)`)),
    ]);
  });
});

describe('stray browser requests', () => {
  it('answers /favicon.ico with the page’s icon, not an S3 error', async () => {
    const favicon = await fetch(`${harness.endpoint}/favicon.ico`);

    expect(favicon.status).toBe(200);
    expect(favicon.url).toBe(`${harness.endpoint}/_sim/web/favicon.svg`);
    expect(favicon.headers.get('content-type')).toBe('image/svg+xml');
  });

  it('answers an unknown path with 404 NoSuchBucket, as S3 answers a missing bucket before checking credentials', async () => {
    const response = await fetch(`${harness.endpoint}/no-such-page`);

    expect(response.status).toBe(404);
    expect(await response.text()).toContain('<Code>NoSuchBucket</Code>');
  });

  it('sends a browser opening the endpoint to the page, and still lists buckets for a signed request', async () => {
    const visit = await fetch(`${harness.endpoint}/`, { headers: { accept: 'text/html,application/xhtml+xml' }, redirect: 'manual' });
    const { Buckets } = await harness.s3.send(new ListBucketsCommand({}));

    expect(visit.status).toBe(302);
    expect(visit.headers.get('location')).toBe('/_sim/web/');
    expect(Buckets?.map((bucket) => bucket.Name)).toContain(harness.outputs.BucketName);
  });
});
