import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.js';
import {
  localCredentialsFromEnvironment,
  RequestSignatureVerifier,
  SignatureRefusal,
  signedRequestOf,
  verifiedSignerOf,
  type IssuedCredentials,
  type LocalCredentials,
} from './request-signature.js';

const LOCAL: LocalCredentials = { accessKeyId: 'test', secretAccessKey: 'test' };

async function signedRequest(body: string, options: { credentials?: IssuedCredentials; service?: string; contentSha256?: boolean; signingDate?: Date; path?: string } = {}) {
  const signer = new SignatureV4({
    credentials: options.credentials ?? LOCAL,
    region: 'eu-west-1',
    service: options.service ?? 'rekognition',
    sha256: Sha256,
    applyChecksum: options.contentSha256 ?? false,
  });
  const signed = await signer.sign({
    method: 'POST',
    protocol: 'http:',
    hostname: '127.0.0.1',
    port: 4566,
    path: options.path ?? '/',
    query: {},
    headers: { host: '127.0.0.1:4566', 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'RekognitionService.ListFaces' },
    body,
  }, { signingDate: options.signingDate });
  const headers: Record<string, string | string[] | undefined> = Object.fromEntries(Object.entries(signed.headers).map(([name, value]) => [name.toLowerCase(), value]));
  return { method: 'POST', rawPath: options.path ?? '/', query: {}, headers, body };
}

const verifier = new RequestSignatureVerifier({ credentials: LOCAL });
const refusalOf = (promise: Promise<unknown>) => promise.then(() => undefined, (error: Error) => error.name);

describe('RequestSignatureVerifier', () => {
  it('gives, before the body, the refusal the head alone earns, and none for a head that holds whatever body follows', async () => {
    const signed = await signedRequest('{"CollectionId":"faces"}');
    const { body: _body, ...head } = signed;
    const unsigned = { ...head, headers: { ...head.headers, authorization: undefined } };
    const stranger = await signedRequest('{}', { credentials: { accessKeyId: 'AKIASTRANGER00000000', secretAccessKey: 'x' } });

    expect(verifier.refusalBeforeBody(head, 'rekognition')).toBeUndefined();
    expect(verifier.refusalBeforeBody(unsigned, 'rekognition')).toMatchObject({ name: 'MissingAuthenticationTokenException' });
    expect(verifier.refusalBeforeBody(stranger, 'rekognition')).toMatchObject({ name: 'UnrecognizedClientException' });
    expect(verifier.refusalBeforeBody(head, 'lambda')).toMatchObject({ name: 'InvalidSignatureException' });
    // The body is verify's to check: the same head with another body is refused there.
    expect(await refusalOf(verifier.verify({ ...signed, body: '{}' }, 'rekognition'))).toBe('InvalidSignatureException');
  });

  it('accepts a request the SDK signer signed with the local key', async () => {
    await expect(verifier.verify(await signedRequest('{"CollectionId":"faces"}'), 'rekognition')).resolves.toEqual({ accessKeyId: 'test' });
  });

  it('refuses a request signed for another region than the one it stands for, naming that region', async () => {
    const inIreland = await signedRequest('{}');
    const inVirginia = new RequestSignatureVerifier({ credentials: LOCAL, region: 'us-east-1' });

    await expect(inVirginia.verify(inIreland, 'rekognition')).rejects.toMatchObject({
      name: 'InvalidSignatureException', message: "Credential should be scoped to a valid region, not 'eu-west-1'. ",
    });
    await expect(new RequestSignatureVerifier({ credentials: LOCAL, region: 'eu-west-1' }).verify(inIreland, 'rekognition')).resolves.toEqual({ accessKeyId: 'test' });
  });

  it('refuses a body changed after signing, also when the client sent its own payload hash', async () => {
    for (const contentSha256 of [false, true]) {
      const request = await signedRequest('{"CollectionId":"faces"}', { contentSha256 });
      expect(await refusalOf(verifier.verify({ ...request, body: '{"CollectionId":"other"}' }, 'rekognition'))).toBe('InvalidSignatureException');
    }
  });

  it('refuses a missing header, an unknown key, a wrong secret and another service’s scope with AWS’s codes', async () => {
    const unsigned = { ...(await signedRequest('{}')), headers: {} };
    expect(await refusalOf(verifier.verify(unsigned, 'rekognition'))).toBe('MissingAuthenticationTokenException');
    expect(await refusalOf(verifier.verify(await signedRequest('{}', { credentials: { accessKeyId: 'AKIASTRANGER', secretAccessKey: 'x' } }), 'rekognition'))).toBe('UnrecognizedClientException');
    expect(await refusalOf(verifier.verify(await signedRequest('{}', { credentials: { accessKeyId: 'test', secretAccessKey: 'guess' } }), 'rekognition'))).toBe('InvalidSignatureException');
    expect(await refusalOf(verifier.verify(await signedRequest('{}', { service: 'dynamodb' }), 'rekognition'))).toBe('InvalidSignatureException');
  });

  it("takes a key issued with a session token only with that token, in services mode too", async () => {
    const roleSession = { accessKeyId: 'ASIAROLESESSION', secretAccessKey: 'role-secret', sessionToken: 'FwoGZXIvYXdzEsession' };
    for (const checking of [new RequestSignatureVerifier({ credentials: LOCAL }), new RequestSignatureVerifier({ credentials: LOCAL, trustTemporaryCredentials: true })]) {
      checking.keys.add(roleSession);
      await expect(checking.verify(await signedRequest('{}', { credentials: roleSession }), 'rekognition')).resolves.toEqual({ accessKeyId: 'ASIAROLESESSION' });
      const { sessionToken: _dropped, ...keyAndSecret } = roleSession;
      expect(await refusalOf(checking.verify(await signedRequest('{}', { credentials: keyAndSecret }), 'rekognition'))).toBe('UnrecognizedClientException');
      const otherToken = await signedRequest('{}', { credentials: { ...roleSession, sessionToken: 'FwoGZXIvYXdzEforged' } });
      expect(await refusalOf(checking.verify(otherToken, 'rekognition'))).toBe('UnrecognizedClientException');
    }
  });

  it("takes the kit's own key with or without a session token", async () => {
    await expect(verifier.verify(await signedRequest('{}', { credentials: { ...LOCAL, sessionToken: 'left-over-from-a-real-session' } }), 'rekognition')).resolves.toEqual({ accessKeyId: 'test' });
  });

  it('accepts unknown temporary credentials only when told to (services mode next to LocalStack)', async () => {
    const request = await signedRequest('{}', { credentials: { accessKeyId: 'ASIALOCALSTACK', secretAccessKey: 'sts-secret' } });
    request.headers['x-amz-security-token'] = 'token-from-localstack-sts';
    expect(await refusalOf(verifier.verify(request, 'rekognition'))).toBe('UnrecognizedClientException');
    const trusting = new RequestSignatureVerifier({ credentials: LOCAL, trustTemporaryCredentials: true });
    await expect(trusting.verify(request, 'rekognition')).resolves.toEqual({ accessKeyId: 'ASIALOCALSTACK' });
  });
});

describe('malformed Authorization headers, refused with the wording AWS answers', () => {
  /** A signed request whose Authorization (and X-Amz-Date) headers are then replaced. */
  async function withHeaders(headers: Record<string, string | undefined>) {
    const request = await signedRequest('{}');
    return { ...request, headers: { ...request.headers, ...headers } };
  }
  const refusalFor = (request: Parameters<RequestSignatureVerifier['verify']>[0]) =>
    verifier.verify(request, 'rekognition').then(
      () => undefined,
      (error: SignatureRefusal) => ({ code: error.code, message: error.message }),
    );

  it('an empty header, another scheme, and one missing every component', async () => {
    expect(await refusalFor(await withHeaders({ authorization: '' }))).toEqual({ code: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' });
    expect(await refusalFor(await withHeaders({ authorization: 'Bearer eyJhbGciOi' }))).toEqual({
      code: 'IncompleteSignatureException',
      message: "Unsupported AWS 'algorithm': 'Bearer'",
    });
    expect(await refusalFor(await withHeaders({ authorization: 'AWS4-HMAC-SHA256X Credential=test/20260101/us-east-1/rekognition/aws4_request' }))).toMatchObject({
      message: "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA256X'",
    });
    expect(await refusalFor(await withHeaders({ authorization: 'AWS4-HMAC-SHA256 nothing', 'x-amz-date': undefined }))).toEqual({
      code: 'IncompleteSignatureException',
      message:
        "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
        "Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
    });
  });

  it('a component missing, a credential of four parts, a date in another format, another service', async () => {
    const request = await signedRequest('{}');
    const authorization = String(request.headers.authorization);
    const withoutSignature = authorization.replace(/, Signature=\w+/, '');
    expect(await refusalFor(await withHeaders({ authorization: withoutSignature }))).toEqual({
      code: 'IncompleteSignatureException',
      message: "Authorization header requires 'Signature' parameter.",
    });
    const shortCredential = authorization.replace(/Credential=test\/(\d{8})\/eu-west-1\/rekognition\/aws4_request/, 'Credential=test/$1/eu-west-1/rekognition');
    expect(await refusalFor(await withHeaders({ authorization: shortCredential }))).toEqual({
      code: 'IncompleteSignatureException',
      message: `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${/Credential=([^,]+)/.exec(shortCredential)![1]}'`,
    });
    expect(await refusalFor(await withHeaders({ 'x-amz-date': '2026-01-01T00:00:00Z' }))).toEqual({
      code: 'IncompleteSignatureException',
      message: "Date must be in ISO-8601 'basic format'. Got '2026-01-01T00:00:00Z'.",
    });
    expect(await refusalFor(await signedRequest('{}', { service: 'dynamodb' }))).toEqual({
      code: 'InvalidSignatureException',
      message: "Credential should be scoped to correct service: 'rekognition'. ",
    });
  });
});

describe('what a signature covers', () => {
  it('the path as Lambda signs it, escaped again (an ARN in the path)', async () => {
    const request = await signedRequest('{}', { path: '/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Af/invocations' });
    await expect(verifier.verify(request, 'rekognition')).resolves.toEqual({ accessKeyId: 'test' });
  });

  it('an absent body as an empty one', async () => {
    const request = await signedRequest('', { contentSha256: true });
    await expect(verifier.verify({ ...request, body: undefined }, 'rekognition')).resolves.toEqual({ accessKeyId: 'test' });
  });

  it('signedRequestOf: the path before the query, every value of a repeated parameter, the body', () => {
    const headers = { host: 'kit' };
    expect(signedRequestOf({ method: 'GET', url: '/2015-03-31/functions/f?Qualifier=%24LATEST&a=1&a=2&a=3', headers, raw: { rawHeaders: ['Host', 'kit'] } }, undefined)).toEqual({
      method: 'GET',
      rawPath: '/2015-03-31/functions/f',
      query: { Qualifier: '$LATEST', a: ['1', '2', '3'] },
      headers,
      body: '',
      rawHeaders: ['Host', 'kit'],
    });
    expect(signedRequestOf({ method: 'POST', url: '/', headers }, '{}')).toEqual({ method: 'POST', rawPath: '/', query: {}, headers, body: '{}', rawHeaders: undefined });
    expect(signedRequestOf({ method: 'GET', url: '?a=1', headers }, undefined)).toMatchObject({ rawPath: '', query: { a: '1' } });
  });
});

describe('verifiedSignerOf', () => {
  it('returns a refusal, and lets any other failure through', async () => {
    expect(await verifiedSignerOf(verifier, { ...(await signedRequest('{}')), headers: {} }, 'rekognition')).toEqual({
      refusal: expect.objectContaining({ code: 'MissingAuthenticationTokenException' }),
    });
    await expect(verifiedSignerOf(verifier, { ...(await signedRequest('{}')), headers: undefined as never }, 'rekognition')).rejects.toThrow(TypeError);
  });
});

describe('request dates', () => {
  it('refuses a request replayed more than 5 minutes after it was signed', async () => {
    const captured = await signedRequest('{}', { signingDate: new Date(Date.now() - 10 * 60 * 1000) });
    await expect(verifier.verify(captured, 'rekognition')).rejects.toThrow(/^Signature expired: \d{8}T\d{6}Z is now earlier than/);
  });

  it('refuses a credential scope dated another day than X-Amz-Date, as AWS words it', async () => {
    const request = await signedRequest('{}');
    const amzDate = String(request.headers['x-amz-date']);
    const day = amzDate.slice(0, 8);
    const otherDay = day === '20200101' ? '20200102' : '20200101';
    const authorization = String(request.headers.authorization).replace(`/${day}/`, `/${otherDay}/`);
    await expect(verifier.verify({ ...request, headers: { ...request.headers, authorization } }, 'rekognition')).rejects.toMatchObject({
      name: 'InvalidSignatureException',
      message: `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${otherDay}' != '${day}', from '${amzDate}'.`,
    });
  });

  it('accepts a request signed with the real time while the sim clock is days ahead, as tests move it', async () => {
    const ahead = new ManualClock(Date.now() + 3 * 24 * 3600 * 1000);
    const withClock = new RequestSignatureVerifier({ credentials: LOCAL, clock: ahead });
    await expect(withClock.verify(await signedRequest('{}'), 'rekognition')).resolves.toEqual({ accessKeyId: 'test' });
    await expect(withClock.verify(await signedRequest('{}', { signingDate: new Date(ahead.now()) }), 'rekognition')).resolves.toEqual({ accessKeyId: 'test' });
  });
});

describe('request dates, at the edges of the 5 minutes', () => {
  // A clock years from the real time, so that it is the "now" closest to the signing date.
  const signedAt = new Date(Date.UTC(2020, 5, 1, 12, 0, 0));
  const checkedAt = (offsetMs: number) => new RequestSignatureVerifier({ credentials: LOCAL, clock: new ManualClock(signedAt.getTime() + offsetMs) });
  const FIVE_MINUTES = 5 * 60_000;

  it('takes a signature exactly 5 minutes old or early, and refuses one a second past either edge', async () => {
    const request = await signedRequest('{}', { signingDate: signedAt });
    await expect(checkedAt(FIVE_MINUTES).verify(request, 'rekognition')).resolves.toEqual({ accessKeyId: 'test' });
    await expect(checkedAt(-FIVE_MINUTES).verify(request, 'rekognition')).resolves.toEqual({ accessKeyId: 'test' });
    await expect(checkedAt(FIVE_MINUTES + 1000).verify(request, 'rekognition')).rejects.toMatchObject({
      code: 'InvalidSignatureException',
      message: 'Signature expired: 20200601T120000Z is now earlier than 20200601T120001Z (20200601T120501Z - 5 min.)',
    });
    await expect(checkedAt(-FIVE_MINUTES - 1000).verify(request, 'rekognition')).rejects.toMatchObject({
      code: 'InvalidSignatureException',
      message: 'Signature not yet current: 20200601T120000Z is still later than 20200601T115959Z (20200601T115459Z + 5 min.)',
    });
  });
});

describe('localCredentialsFromEnvironment', () => {
  it('defaults to test/test and insists on both variables together', () => {
    expect(localCredentialsFromEnvironment({})).toEqual(LOCAL);
    expect(localCredentialsFromEnvironment({ FACEKIT_ACCESS_KEY_ID: 'kit', FACEKIT_SECRET_ACCESS_KEY: 'secret' })).toEqual({ accessKeyId: 'kit', secretAccessKey: 'secret' });
    expect(() => localCredentialsFromEnvironment({ FACEKIT_ACCESS_KEY_ID: 'kit' })).toThrow(/must be set together/);
    expect(localCredentialsFromEnvironment({ FACEKIT_ACCESS_KEY_ID: ' kit\n', FACEKIT_SECRET_ACCESS_KEY: ' secret ' })).toEqual({ accessKeyId: 'kit', secretAccessKey: 'secret' });
  });
});
