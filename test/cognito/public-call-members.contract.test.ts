// The members every public sign-up and sign-in call takes beside its own (AnalyticsMetadata,
// UserContextData, Session, the string maps), checked as Coral checks them: a wrong JSON type is
// SerializationException, a length outside the model's (botocore 1.43's cognito-idp: SessionType
// 20-2048, StringType at most 131,072) InvalidParameterException, before the client is looked up.
// Unchecked, a request an app got wrong passed here and failed on AWS. Sent by hand: the SDK
// would not send these shapes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_ID, PASSWORD, signUpAndSignIn, startCognitoSim, type CognitoSimHarness } from './cognito-sim-harness.js';

let sim: CognitoSimHarness;
beforeAll(async () => {
  sim = await startCognitoSim();
});
afterAll(() => sim.close({ removeData: true }));

async function call(operation: string, body: Record<string, unknown>): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(sim.baseUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${operation}` },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const serialization = (message: string) => ({ status: 400, body: { __type: 'SerializationException', message } });
const invalid = (message: string) => ({ status: 400, body: { __type: 'InvalidParameterException', message: `1 validation error detected: ${message}` } });
const NUMBER_AS_STRING = 'class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String';
const STRING_AS_MAP = 'class java.lang.String can not be converted to an Map';
const LIST_FOUND = 'Start of list found where not expected';
const LONGEST = 131_072;
const mapTooLong = (path: string, part: 'key' | 'value') =>
  invalid(`Value at '${path}' failed to satisfy constraint: Map ${part} must satisfy constraint: [Member must have length less than or equal to ${LONGEST}, Member must have length greater than or equal to 0]`);

const bodies: Record<string, Record<string, unknown>> = {
  InitiateAuth: { ClientId: 'nosuchclient', AuthFlow: 'CUSTOM_AUTH', AuthParameters: { USERNAME: 'a@example.com' } },
  RespondToAuthChallenge: { ClientId: 'nosuchclient', ChallengeName: 'CUSTOM_CHALLENGE', Session: 's'.repeat(20), ChallengeResponses: { USERNAME: 'a', ANSWER: 'b' } },
  SignUp: { ClientId: 'nosuchclient', Username: 'a@example.com', Password: PASSWORD },
  ConfirmSignUp: { ClientId: 'nosuchclient', Username: 'a@example.com', ConfirmationCode: '123456' },
  ResendConfirmationCode: { ClientId: 'nosuchclient', Username: 'a@example.com' },
};
const noClient = { status: 400, body: { __type: 'ResourceNotFoundException', message: 'User pool client nosuchclient does not exist.' } };

describe.each(Object.keys(bodies))('%s', (operation) => {
  const body = bodies[operation]!;

  it('refuses AnalyticsMetadata and UserContextData of the wrong JSON type with SerializationException', async () => {
    expect(await call(operation, { ...body, AnalyticsMetadata: 'endpoint-1' })).toEqual(serialization(STRING_AS_MAP));
    expect(await call(operation, { ...body, AnalyticsMetadata: { AnalyticsEndpointId: 5 } })).toEqual(serialization(NUMBER_AS_STRING));
    expect(await call(operation, { ...body, UserContextData: 7 })).toEqual(serialization('class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an Map'));
    expect(await call(operation, { ...body, UserContextData: { EncodedData: ['x'] } })).toEqual(serialization(LIST_FOUND));
    expect(await call(operation, { ...body, UserContextData: { IpAddress: {} } })).toEqual(serialization('Start of structure or map found where not expected.'));
  });

  it('refuses a StringType member or map entry over 131,072 characters, and takes one at it', async () => {
    expect(await call(operation, { ...body, AnalyticsMetadata: { AnalyticsEndpointId: 'e'.repeat(LONGEST + 1) } }))
      .toEqual(invalid(`Value at 'analyticsMetadata.analyticsEndpointId' failed to satisfy constraint: Member must have length less than or equal to ${LONGEST}`));
    expect(await call(operation, { ...body, UserContextData: { EncodedData: 'e'.repeat(LONGEST + 1) } }))
      .toEqual(invalid(`Value at 'userContextData.encodedData' failed to satisfy constraint: Member must have length less than or equal to ${LONGEST}`));
    expect(await call(operation, { ...body, ClientMetadata: { pad: 'p'.repeat(LONGEST + 1) } })).toEqual(mapTooLong('clientMetadata', 'value'));
    expect(await call(operation, { ...body, ClientMetadata: { ['k'.repeat(LONGEST + 1)]: 'v' } })).toEqual(mapTooLong('clientMetadata', 'key'));
    // At the limit, and with every optional member null or empty, the call goes on to the client.
    expect(await call(operation, {
      ...body, ClientMetadata: { pad: 'p'.repeat(LONGEST) }, AnalyticsMetadata: { AnalyticsEndpointId: 'e'.repeat(LONGEST) }, UserContextData: { IpAddress: null, EncodedData: '' },
    })).toEqual(noClient);
    expect(await call(operation, { ...body, AnalyticsMetadata: null, UserContextData: {} })).toEqual(noClient);
  });
});

describe('Session', () => {
  it('is 20 to 2048 characters on RespondToAuthChallenge, and on InitiateAuth (choice-based sign-in’s), refused outside before the client is looked up', async () => {
    const tooShort = invalid("Value at 'session' failed to satisfy constraint: Member must have length greater than or equal to 20");
    const tooLong = invalid("Value at 'session' failed to satisfy constraint: Member must have length less than or equal to 2048");
    for (const operation of ['RespondToAuthChallenge', 'InitiateAuth']) {
      expect(await call(operation, { ...bodies[operation], Session: 's'.repeat(19) }), operation).toEqual(tooShort);
      expect(await call(operation, { ...bodies[operation], Session: '' }), operation).toEqual(tooShort);
      expect(await call(operation, { ...bodies[operation], Session: 's'.repeat(2049) }), operation).toEqual(tooLong);
      expect(await call(operation, { ...bodies[operation], Session: 's'.repeat(2048) }), operation).toEqual(noClient);
    }
  });

  it('of the right length but no session of the pool’s is the refusal of an unknown session', async () => {
    await signUpAndSignIn(sim, 'session-length@example.com');
    expect(await call('RespondToAuthChallenge', {
      ClientId: CLIENT_ID, ChallengeName: 'CUSTOM_CHALLENGE', Session: 's'.repeat(20), ChallengeResponses: { USERNAME: 'session-length@example.com', ANSWER: 'x' },
    })).toEqual({ status: 400, body: { __type: 'NotAuthorizedException', message: 'Invalid session for the user.' } });
  });
});
