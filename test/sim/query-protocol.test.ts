// The AWS Query protocol on the shared endpoint: STS's GetCallerIdentity (what `aws sts
// get-caller-identity` asks first), STS's refusals in STS's XML, and every other Query API refused
// in XML rather than in a JSON body the CLI and SDKs cannot parse. The JSON services, SES v2 and S3
// share the paths, so each must still get its own requests.
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerJsonServices } from '../../sim/aws-json-protocol.js';
import { Outbox } from '../../sim/outbox.js';
import { DEFAULT_LOCAL_CREDENTIALS, RequestSignatureVerifier } from '../../sim/request-signature.js';
import { createSesService } from '../../sim/ses/ses-service.js';
import { createStsService } from '../../sim/sts/sts-service.js';
import { startS3, type RunningS3 } from '../s3/s3-test-server.js';

let server: RunningS3;
beforeAll(async () => {
  const signatures = new RequestSignatureVerifier({ credentials: DEFAULT_LOCAL_CREDENTIALS });
  server = await startS3({}, (app) => {
    registerJsonServices(app, [], 'us-east-1', { signatures });
    void app.register(createStsService({ signatures }).routes);
    void app.register(createSesService({ outbox: new Outbox(), signatures }).routes);
  });
});
afterAll(() => server?.close());

interface Call {
  service: string;
  method?: 'GET' | 'POST';
  path?: string;
  query?: Record<string, string>;
  form?: Record<string, string>;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  unsigned?: boolean;
}

/** Signs as the SDKs do (SigV4, the form in the body) and sends with fetch. */
async function send({ service, method = 'POST', path = '/', query, form, credentials = DEFAULT_LOCAL_CREDENTIALS, unsigned }: Call) {
  const url = new URL(path, server.endpoint);
  const body = form ? new URLSearchParams(form).toString() : undefined;
  const request = {
    method,
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: url.pathname,
    query: query ?? {},
    headers: { host: url.host, ...(body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' } : {}) } as Record<string, string>,
    body,
  };
  const signed = unsigned
    ? request
    : await new SignatureV4({ service, region: 'us-east-1', credentials, sha256: Hash.bind(null, 'sha256') }).sign(request);
  const search = new URLSearchParams(query ?? {}).toString();
  const response = await fetch(`${url.origin}${url.pathname}${search ? `?${search}` : ''}`, { method, headers: signed.headers, body });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

const elementText = (xml: string, name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
const callerIdentity = { Action: 'GetCallerIdentity', Version: '2011-06-15' };

describe('STS GetCallerIdentity', () => {
  it("answers the local credentials as the local account's root user, in STS's XML, with the response's request id", async () => {
    const response = await send({ service: 'sts', form: callerIdentity });

    expect(response.status).toBe(200);
    expect(response.text).toMatch(/^<GetCallerIdentityResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/"><GetCallerIdentityResult>/);
    expect(elementText(response.text, 'Account')).toBe('000000000000');
    expect(elementText(response.text, 'Arn')).toBe('arn:aws:iam::000000000000:root');
    expect(elementText(response.text, 'UserId')).toBe('000000000000');
    expect(elementText(response.text, 'RequestId')).toBe(response.headers.get('x-amzn-requestid'));
  });

  it('takes the parameters from the query string of a GET as well', async () => {
    const response = await send({ service: 'sts', method: 'GET', query: callerIdentity });

    expect(response.status).toBe(200);
    expect(elementText(response.text, 'Account')).toBe('000000000000');
  });

  it("refuses a wrong secret, an unknown key and other actions with STS's codes", async () => {
    const wrongSecret = await send({ service: 'sts', form: callerIdentity, credentials: { accessKeyId: 'test', secretAccessKey: 'not-test' } });
    const unknownKey = await send({ service: 'sts', form: callerIdentity, credentials: { accessKeyId: 'AKIAUNKNOWN', secretAccessKey: 'test' } });
    const otherAction = await send({ service: 'sts', form: { Action: 'GetSessionToken', Version: '2011-06-15' } });
    const noAction = await send({ service: 'sts', form: { Version: '2011-06-15' } });
    const otherVersion = await send({ service: 'sts', form: { Action: 'GetCallerIdentity', Version: '2010-01-01' } });

    const codeOf = (response: { text: string }) => elementText(response.text, 'Code');
    expect([wrongSecret.status, codeOf(wrongSecret)]).toEqual([403, 'SignatureDoesNotMatch']);
    expect([unknownKey.status, codeOf(unknownKey)]).toEqual([403, 'InvalidClientTokenId']);
    expect([otherAction.status, codeOf(otherAction)]).toEqual([400, 'InvalidAction']);
    expect(elementText(otherAction.text, 'Message')).toMatch(/^GetSessionToken is not an STS action the local kit emulates/);
    expect([noAction.status, codeOf(noAction)]).toEqual([400, 'MissingAction']);
    expect(elementText(otherVersion.text, 'Message')).toBe('Could not find operation GetCallerIdentity for version 2010-01-01');
    for (const refusal of [wrongSecret, unknownKey, otherAction]) {
      expect(refusal.text).toMatch(/^<ErrorResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/"><Error><Type>Sender<\/Type>/);
      expect(elementText(refusal.text, 'RequestId')).toBe(refusal.headers.get('x-amzn-requestid'));
    }
  });
});

describe('other Query APIs and the paths STS shares', () => {
  it('refuses a Query call of an API the kit does not serve in XML, naming it, and an unsigned one as unauthenticated', async () => {
    const sns = await send({ service: 'sns', form: { Action: 'ListTopics', Version: '2010-03-31' } });
    const unsigned = await send({ service: 'sts', form: callerIdentity, unsigned: true });

    expect(sns.status).toBe(400);
    expect(sns.text).toMatch(/^<ErrorResponse><Error><Type>Sender<\/Type><Code>InvalidAction<\/Code>/);
    expect(elementText(sns.text, 'Message')).toMatch(/does not emulate the sns Query API/);
    // Where a script that reads a stack's outputs from CloudFormation should look instead.
    const stacks = await send({ service: 'cloudformation', form: { Action: 'DescribeStacks', Version: '2010-05-15' } });
    expect(elementText(stacks.text, 'Message')).toMatch(/cloudformation Query API .*\. The outputs of the stack are in cdk-outputs\.json, .* and at GET \/_sim\/outputs$/);
    expect(unsigned.status).toBe(403);
    expect(elementText(unsigned.text, 'Code')).toBe('MissingAuthenticationToken');
  });

  it('leaves the JSON services their POST / and S3 its GET /', async () => {
    const json = await fetch(`${server.endpoint}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityProviderService.ListUserPools' },
      body: '{}',
    });
    const listBuckets = await send({ service: 's3', method: 'GET' });

    expect(json.headers.get('content-type')).toMatch(/^application\/x-amz-json-1\.1/);
    expect(await json.json()).toMatchObject({ __type: 'UnknownOperationException' });
    expect(listBuckets.status).toBe(200);
    expect(listBuckets.text).toMatch(/<ListAllMyBucketsResult/);
  });

  it("answers SES v2's other operations as not emulated, in SES's shape, and keeps S3 out of /v2/email/", async () => {
    const identities = await send({ service: 'ses', method: 'GET', path: '/v2/email/identities' });

    expect(identities.status).toBe(404);
    expect(identities.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
    expect(JSON.parse(identities.text)).toEqual({ message: 'GET /v2/email/identities is not an operation the local SES emulates (it serves SendEmail)' });
  });
});
