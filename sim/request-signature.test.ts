import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.js';
import { localCredentialsFromEnvironment, RequestSignatureVerifier, type IssuedCredentials, type LocalCredentials } from './request-signature.js';

const LOCAL: LocalCredentials = { accessKeyId: 'test', secretAccessKey: 'test' };

async function signedRequest(body: string, options: { credentials?: IssuedCredentials; service?: string; contentSha256?: boolean; signingDate?: Date } = {}) {
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
    path: '/',
    query: {},
    headers: { host: '127.0.0.1:4566', 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'RekognitionService.ListFaces' },
    body,
  }, { signingDate: options.signingDate });
  const headers = Object.fromEntries(Object.entries(signed.headers).map(([name, value]) => [name.toLowerCase(), value]));
  return { method: 'POST', rawPath: '/', query: {}, headers, body };
}

const verifier = new RequestSignatureVerifier({ credentials: LOCAL });
const refusalOf = (promise: Promise<unknown>) => promise.then(() => undefined, (error: Error) => error.name);

describe('RequestSignatureVerifier', () => {
  it('accepts a request the SDK signer signed with the local key', async () => {
    await expect(verifier.verify(await signedRequest('{"CollectionId":"faces"}'), 'rekognition')).resolves.toEqual({ accessKeyId: 'test' });
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

describe('localCredentialsFromEnvironment', () => {
  it('defaults to test/test and insists on both variables together', () => {
    expect(localCredentialsFromEnvironment({})).toEqual(LOCAL);
    expect(localCredentialsFromEnvironment({ FACEKIT_ACCESS_KEY_ID: 'kit', FACEKIT_SECRET_ACCESS_KEY: 'secret' })).toEqual({ accessKeyId: 'kit', secretAccessKey: 'secret' });
    expect(() => localCredentialsFromEnvironment({ FACEKIT_ACCESS_KEY_ID: 'kit' })).toThrow(/must be set together/);
  });
});
