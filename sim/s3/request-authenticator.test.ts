// The S3 authenticator on its own, fed requests signed by the SDK's signers (the S3 presigner and
// @smithy/signature-v4): every way in (Authorization header, presigned URL) and every refusal,
// at the exact edges of the clock-skew and expiry windows.
import { Sha256 } from '@aws-crypto/sha256-js';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { SigningKeys } from '../request-signature.js';
import { RequestAuthenticator, type IncomingS3Request } from './request-authenticator.js';
import type { S3Error } from './s3-errors.js';

const HOST = '127.0.0.1:4566';
const SIGNED_AT = new Date(Date.UTC(2026, 0, 1, 12, 0, 0));
const MINUTE = 60_000;
const CREDENTIALS = new SigningKeys({ accessKeyId: 'test', secretAccessKey: 'test' });
CREDENTIALS.add({ accessKeyId: 'uploader', secretAccessKey: 'uploader-secret' });

const clockAt = (offsetMs = 0) => new ManualClock(SIGNED_AT.getTime() + offsetMs);
const authenticatorAt = (offsetMs = 0) => new RequestAuthenticator(CREDENTIALS, clockAt(offsetMs));

/** The error `authenticate` throws, as the fields S3 puts in its XML answer. */
async function refusal(authenticator: RequestAuthenticator, request: IncomingS3Request) {
  try {
    await authenticator.authenticate(request);
  } catch (error) {
    const { code, message, statusCode, details } = error as S3Error;
    return { code, message, statusCode, details };
  }
  throw new Error('the request was accepted');
}

async function headerSigned(
  options: { accessKeyId?: string; secretAccessKey?: string; service?: string; region?: string; signingDate?: Date; path?: string } = {},
): Promise<IncomingS3Request> {
  const path = options.path ?? '/uploads/signin/user-1/photo.jpg';
  const signer = new SignatureV4({
    credentials: { accessKeyId: options.accessKeyId ?? 'test', secretAccessKey: options.secretAccessKey ?? 'test' },
    region: options.region ?? 'eu-west-1',
    service: options.service ?? 's3',
    sha256: Sha256,
    uriEscapePath: false,
  });
  const signed = await signer.sign(
    {
      method: 'PUT',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: 4566,
      path,
      query: {},
      headers: { host: HOST, 'x-amz-meta-owner': 'user-1', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    },
    { signingDate: options.signingDate ?? SIGNED_AT },
  );
  const headers = Object.fromEntries(Object.entries(signed.headers).map(([name, value]) => [name.toLowerCase(), value]));
  return { method: 'PUT', rawPath: path, query: {}, headers, body: 'jpeg' };
}

const presigningClients: S3Client[] = [];
afterAll(() => presigningClients.forEach((client) => client.destroy()));

async function presigned(
  options: { accessKeyId?: string; secretAccessKey?: string; expiresIn?: number; signingDate?: Date } = {},
): Promise<IncomingS3Request> {
  const client = new S3Client({
    region: 'eu-west-1',
    endpoint: `http://${HOST}`,
    forcePathStyle: true,
    credentials: { accessKeyId: options.accessKeyId ?? 'test', secretAccessKey: options.secretAccessKey ?? 'test' },
  });
  presigningClients.push(client);
  const url = new URL(
    await getSignedUrl(client, new GetObjectCommand({ Bucket: 'uploads', Key: 'signin/user-1/photo.jpg' }), {
      expiresIn: options.expiresIn ?? 60,
      signingDate: options.signingDate ?? SIGNED_AT,
    }),
  );
  return { method: 'GET', rawPath: url.pathname, query: Object.fromEntries(url.searchParams), headers: { host: HOST } };
}

const withQuery = (request: IncomingS3Request, changes: Record<string, string | string[] | undefined>): IncomingS3Request => {
  const query = { ...request.query };
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined) delete query[name];
    else query[name] = value;
  }
  return { ...request, query };
};
const withHeaders = (request: IncomingS3Request, changes: Record<string, string | undefined>): IncomingS3Request => {
  const headers = { ...request.headers };
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined) delete headers[name];
    else headers[name] = value;
  }
  return { ...request, headers };
};

const PARAMETERS_MISSING =
  'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.';
const MALFORMED_CREDENTIAL =
  'Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".';

describe('S3 request authenticator: which mechanism', () => {
  it('refuses a request with no signature at all with AccessDenied', async () => {
    expect(await refusal(authenticatorAt(), { method: 'GET', rawPath: '/uploads', query: {}, headers: { host: HOST } })).toEqual({
      code: 'AccessDenied', message: 'Access Denied', statusCode: 403, details: {},
    });
  });

  it('refuses an Authorization header and a presigned query together', async () => {
    const request = withQuery(await headerSigned(), { 'X-Amz-Algorithm': 'AWS4-HMAC-SHA256' });
    expect(await refusal(authenticatorAt(), request)).toMatchObject({
      code: 'InvalidArgument',
      message: 'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified',
      statusCode: 400,
    });
  });

  it('refuses signature version 2, in the header or in the query, as a mechanism it does not support', async () => {
    const unsupported = {
      code: 'InvalidRequest', message: 'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.', statusCode: 400,
    };
    const request = { method: 'GET', rawPath: '/uploads/key', query: {}, headers: { host: HOST } };
    expect(await refusal(authenticatorAt(), withHeaders(request, { authorization: 'AWS test:c2lnbmF0dXJl' }))).toMatchObject(unsupported);
    expect(await refusal(authenticatorAt(), withQuery(request, { Signature: 'c2lnbmF0dXJl', Expires: '1767268800' }))).toMatchObject(unsupported);
    expect(await refusal(authenticatorAt(), withQuery(request, { AWSAccessKeyId: 'test', Expires: '1767268800' }))).toMatchObject(unsupported);
  });

  it('refuses any other Authorization scheme, including the algorithm name without its space', async () => {
    const request = await headerSigned();
    const other = { code: 'InvalidArgument', message: 'Unsupported Authorization Type', statusCode: 400 };
    expect(await refusal(authenticatorAt(), withHeaders(request, { authorization: 'Bearer abc' }))).toMatchObject(other);
    const glued = String(request.headers.authorization).replace('AWS4-HMAC-SHA256 ', 'AWS4-HMAC-SHA256');
    expect(await refusal(authenticatorAt(), withHeaders(request, { authorization: glued }))).toMatchObject(other);
  });
});

describe('S3 request authenticator: Authorization header', () => {
  it('accepts a request signed with a configured key and names the key and the region signed for', async () => {
    await expect(authenticatorAt().authenticate(await headerSigned())).resolves.toEqual({ accessKeyId: 'test', region: 'eu-west-1', presigned: false });
    await expect(authenticatorAt().authenticate(await headerSigned({ accessKeyId: 'uploader', secretAccessKey: 'uploader-secret', region: 'us-east-1' })))
      .resolves.toEqual({ accessKeyId: 'uploader', region: 'us-east-1', presigned: false });
  });

  it('checks the path as sent, percent-encoded once: S3 does not encode it again', async () => {
    const encoded = '/uploads/signin/user-1/photo%201%C3%A9.jpg';
    await expect(authenticatorAt().authenticate(await headerSigned({ path: encoded }))).resolves.toMatchObject({ accessKeyId: 'test' });
  });

  it('refuses a header missing its Credential, SignedHeaders or Signature as malformed', async () => {
    const authorization = String((await headerSigned()).headers.authorization);
    const fields = authorization.slice('AWS4-HMAC-SHA256 '.length).split(', ');
    for (const dropped of fields) {
      const request = withHeaders(await headerSigned(), {
        authorization: `AWS4-HMAC-SHA256 ${fields.filter((field) => field !== dropped).join(', ')}`,
      });
      expect(await refusal(authenticatorAt(), request)).toMatchObject({
        code: 'AuthorizationHeaderMalformed',
        message: 'The authorization header is malformed; the authorization component is missing.',
        statusCode: 400,
      });
    }
  });

  it('refuses a malformed credential scope and one signed for another service', async () => {
    const request = await headerSigned();
    const authorization = String(request.headers.authorization);
    const malformed = authorization.replace('/aws4_request', '/aws5_request');
    expect(await refusal(authenticatorAt(), withHeaders(request, { authorization: malformed }))).toEqual({
      code: 'AuthorizationHeaderMalformed', message: MALFORMED_CREDENTIAL, statusCode: 400, details: {},
    });
    expect(await refusal(authenticatorAt(), await headerSigned({ service: 'sts' }))).toEqual({
      code: 'AuthorizationHeaderMalformed',
      message: 'Error parsing the X-Amz-Credential parameter; incorrect service "sts". This endpoint belongs to "s3".',
      statusCode: 400,
      details: {},
    });
  });

  it('refuses a credential scope dated another day than x-amz-date as malformed, signed over that scope or not', async () => {
    const mismatch = {
      code: 'AuthorizationHeaderMalformed',
      message: 'The authorization header is malformed; Invalid credential date. Date is not the same as X-Amz-Date.',
      statusCode: 400,
      details: {},
    };
    const request = await headerSigned();
    const otherDay = withHeaders(request, { authorization: String(request.headers.authorization).replace('/20260101/', '/20251231/') });
    expect(await refusal(authenticatorAt(), otherDay)).toEqual(mismatch);
    // Signed on the 1st, dated the 2nd: the scope says one day, x-amz-date another.
    const signedOnFirst = await headerSigned({ signingDate: SIGNED_AT });
    const redated = withHeaders(signedOnFirst, { 'x-amz-date': '20260102T000000Z' });
    expect(await refusal(new RequestAuthenticator(CREDENTIALS, new ManualClock(Date.UTC(2026, 0, 2))), redated)).toEqual(mismatch);
  });

  it('refuses an unknown access key, including names every JavaScript object has', async () => {
    for (const accessKeyId of ['AKIAUNKNOWN', 'toString', '__proto__', 'constructor']) {
      expect(await refusal(authenticatorAt(), await headerSigned({ accessKeyId }))).toEqual({
        code: 'InvalidAccessKeyId',
        message: 'The AWS Access Key Id you provided does not exist in our records.',
        statusCode: 403,
        details: { AWSAccessKeyId: accessKeyId },
      });
    }
  });

  it('refuses a wrong secret and a signed header changed after signing, naming the signature sent', async () => {
    const wrongSecret = await headerSigned({ secretAccessKey: 'guessed' });
    const sent = /Signature=([0-9a-f]+)/.exec(String(wrongSecret.headers.authorization))![1];
    expect(await refusal(authenticatorAt(), wrongSecret)).toEqual({
      code: 'SignatureDoesNotMatch',
      message: 'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
      statusCode: 403,
      details: { AWSAccessKeyId: 'test', SignatureProvided: sent },
    });
    const tampered = withHeaders(await headerSigned(), { 'x-amz-meta-owner': 'user-2' });
    expect((await refusal(authenticatorAt(), tampered)).code).toBe('SignatureDoesNotMatch');
  });

  it('refuses a request without a valid x-amz-date', async () => {
    const request = await headerSigned();
    const noDate = { code: 'AccessDenied', message: 'AWS authentication requires a valid Date or x-amz-date header', statusCode: 403 };
    expect(await refusal(authenticatorAt(), withHeaders(request, { 'x-amz-date': undefined }))).toMatchObject(noDate);
    expect(await refusal(authenticatorAt(), withHeaders(request, { 'x-amz-date': '2026-01-01T12:00:00Z' }))).toMatchObject(noDate);
  });

  it('accepts a clock 15 minutes off either way, and refuses one more second with RequestTimeTooSkewed', async () => {
    const request = await headerSigned();
    await expect(authenticatorAt(15 * MINUTE).authenticate(request)).resolves.toMatchObject({ accessKeyId: 'test' });
    await expect(authenticatorAt(-15 * MINUTE).authenticate(request)).resolves.toMatchObject({ accessKeyId: 'test' });
    expect(await refusal(authenticatorAt(15 * MINUTE + 1000), request)).toEqual({
      code: 'RequestTimeTooSkewed',
      message: 'The difference between the request time and the current time is too large.',
      statusCode: 403,
      details: { RequestTime: '20260101T120000Z', ServerTime: '2026-01-01T12:15:01.000Z', MaxAllowedSkewMilliseconds: 900_000 },
    });
    expect((await refusal(authenticatorAt(-15 * MINUTE - 1000), request)).code).toBe('RequestTimeTooSkewed');
  });

  it('refuses a request without x-amz-content-sha256, which S3 requires with SigV4', async () => {
    const request = withHeaders(await headerSigned(), { 'x-amz-content-sha256': undefined });
    expect(await refusal(authenticatorAt(), request)).toMatchObject({
      code: 'InvalidRequest', message: 'Missing required header for this request: x-amz-content-sha256', statusCode: 400,
    });
  });
});

describe('S3 request authenticator: presigned URLs', () => {
  const parameterError = (message: string) => ({ code: 'AuthorizationQueryParametersError', message, statusCode: 400, details: {} });

  it('accepts a URL from the S3 presigner and names the key and region', async () => {
    await expect(authenticatorAt().authenticate(await presigned())).resolves.toEqual({ accessKeyId: 'test', region: 'eu-west-1', presigned: true });
  });

  it('refuses a repeated authentication parameter, even when one of its values is the signed one', async () => {
    for (const name of ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature']) {
      const request = await presigned();
      const sent = String(request.query[name]);
      for (const values of [[sent, sent], [sent, `${sent}0`], [`${sent}0`, sent]]) {
        expect(await refusal(authenticatorAt(), withQuery(request, { [name]: values })), `${name} ${values.join(' ')}`).toEqual(
          parameterError(`Query-string authentication parameters must appear only once; repeated: ${name}`),
        );
      }
    }
    const token = withQuery(await presigned(), { 'X-Amz-Security-Token': ['a', 'b'], 'X-Amz-Signature': ['c', 'd'] });
    expect((await refusal(authenticatorAt(), token)).message).toBe(
      'Query-string authentication parameters must appear only once; repeated: X-Amz-Signature, X-Amz-Security-Token',
    );
    // Other parameters may repeat: they are signed over as sent.
    const other = withQuery(await presigned(), { 'x-id': ['GetObject', 'GetObject'] });
    expect((await refusal(authenticatorAt(), other)).code).toBe('SignatureDoesNotMatch');
  });

  it('accepts a URL that signs its payload hash as a header, and refuses it when the hash header changes', async () => {
    const signer = new SignatureV4({ credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, region: 'eu-west-1', service: 's3', sha256: Sha256, uriEscapePath: false });
    const payloadHash = 'a'.repeat(64);
    const signed = await signer.presign(
      { method: 'PUT', protocol: 'http:', hostname: '127.0.0.1', port: 4566, path: '/uploads/object', query: {}, headers: { host: HOST, 'x-amz-content-sha256': payloadHash } },
      { signingDate: SIGNED_AT, expiresIn: 60, unhoistableHeaders: new Set(['x-amz-content-sha256']) },
    );
    expect(signed.query!['X-Amz-SignedHeaders']).toBe('host;x-amz-content-sha256');
    const request: IncomingS3Request = {
      method: 'PUT', rawPath: '/uploads/object', query: signed.query as Record<string, string>, headers: { host: HOST, 'x-amz-content-sha256': payloadHash },
    };
    await expect(authenticatorAt().authenticate(request)).resolves.toMatchObject({ accessKeyId: 'test' });
    expect((await refusal(authenticatorAt(), withHeaders(request, { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' }))).code).toBe('SignatureDoesNotMatch');
  });

  it('refuses a signed-headers list edited after signing, even to add a name every JavaScript object has', async () => {
    // `__proto__` assigned into a plain object is no header at all: the list was re-signed as `host`
    // alone, the list the URL was signed with, and the edited URL was accepted.
    for (const list of ['__proto__;host', 'constructor;host', 'host;x-amz-meta-owner']) {
      const request = withQuery(await presigned(), { 'X-Amz-SignedHeaders': list });
      expect((await refusal(authenticatorAt(), request)).code, list).toBe('SignatureDoesNotMatch');
    }
    const header = await headerSigned();
    const authorization = String(header.headers.authorization).replace('SignedHeaders=', 'SignedHeaders=__proto__;');
    expect((await refusal(authenticatorAt(), withHeaders(header, { authorization }))).code).toBe('SignatureDoesNotMatch');
  });

  it('refuses another algorithm', async () => {
    const request = withQuery(await presigned(), { 'X-Amz-Algorithm': 'AWS4-HMAC-SHA1' });
    expect(await refusal(authenticatorAt(), request)).toEqual(parameterError('X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"'));
  });

  it('refuses a URL missing any of its parameters', async () => {
    for (const name of ['X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature']) {
      expect(await refusal(authenticatorAt(), withQuery(await presigned(), { [name]: undefined })), name).toEqual(parameterError(PARAMETERS_MISSING));
    }
    for (const name of ['X-Amz-Credential', 'X-Amz-Date', 'X-Amz-SignedHeaders', 'X-Amz-Signature']) {
      expect(await refusal(authenticatorAt(), withQuery(await presigned(), { [name]: '' })), name).toEqual(parameterError(PARAMETERS_MISSING));
    }
  });

  it('refuses an expiry that is not a whole number of seconds, or over a week', async () => {
    for (const expires of ['', '60s', '-60', '6e1']) {
      expect(await refusal(authenticatorAt(), withQuery(await presigned(), { 'X-Amz-Expires': expires })), expires).toEqual(
        parameterError('X-Amz-Expires should be a number'),
      );
    }
    expect(await refusal(authenticatorAt(), withQuery(await presigned(), { 'X-Amz-Expires': '604801' }))).toEqual(
      parameterError('X-Amz-Expires must be less than a week (in seconds) that is; 604800'),
    );
    await expect(authenticatorAt().authenticate(await presigned({ expiresIn: 604_800 }))).resolves.toMatchObject({ accessKeyId: 'test' });
  });

  it('refuses a malformed date and a malformed credential', async () => {
    expect(await refusal(authenticatorAt(), withQuery(await presigned(), { 'X-Amz-Date': '2026-01-01T12:00:00Z' }))).toEqual(
      parameterError("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\""),
    );
    const request = await presigned();
    const credential = String(request.query['X-Amz-Credential']).replace('/aws4_request', '');
    expect(await refusal(authenticatorAt(), withQuery(request, { 'X-Amz-Credential': credential }))).toEqual(parameterError(MALFORMED_CREDENTIAL));
  });

  it('refuses a credential scope dated another day than X-Amz-Date', async () => {
    const request = await presigned();
    const credential = String(request.query['X-Amz-Credential']).replace('/20260101/', '/20251231/');
    expect(await refusal(authenticatorAt(), withQuery(request, { 'X-Amz-Credential': credential }))).toEqual(
      parameterError('Invalid credential date. Date is not the same as X-Amz-Date.'),
    );
  });

  it('refuses an unknown key, a wrong secret and a changed path', async () => {
    expect((await refusal(authenticatorAt(), await presigned({ accessKeyId: 'AKIAUNKNOWN' }))).code).toBe('InvalidAccessKeyId');
    const wrongSecret = await presigned({ secretAccessKey: 'guessed' });
    expect(await refusal(authenticatorAt(), wrongSecret)).toMatchObject({
      code: 'SignatureDoesNotMatch', details: { AWSAccessKeyId: 'test', SignatureProvided: wrongSecret.query['X-Amz-Signature'] },
    });
    const otherUser = { ...(await presigned()), rawPath: '/uploads/signin/user-2/photo.jpg' };
    expect((await refusal(authenticatorAt(), otherUser)).code).toBe('SignatureDoesNotMatch');
  });

  it('accepts a URL up to the second it expires, and refuses it after with the expiry in the answer', async () => {
    const request = await presigned({ expiresIn: 60 });
    await expect(authenticatorAt(60_000).authenticate(request)).resolves.toMatchObject({ accessKeyId: 'test' });
    expect(await refusal(authenticatorAt(60_001), request)).toEqual({
      code: 'AccessDenied',
      message: 'Request has expired',
      statusCode: 403,
      details: { 'X-Amz-Expires': 60, Expires: '2026-01-01T12:01:00.000Z', ServerTime: '2026-01-01T12:01:00.001Z' },
    });
  });

  it('accepts a URL signed up to 15 minutes in the future, and refuses one signed later as not valid yet', async () => {
    const request = await presigned({ expiresIn: 3600 });
    await expect(authenticatorAt(-15 * MINUTE).authenticate(request)).resolves.toMatchObject({ accessKeyId: 'test' });
    expect(await refusal(authenticatorAt(-15 * MINUTE - 1), request)).toMatchObject({
      code: 'AccessDenied', message: 'Request is not valid yet', statusCode: 403,
    });
  });
});
