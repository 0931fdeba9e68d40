// The administrators' view of a pool (ListUsers, DescribeUserPool, DescribeUserPoolClient, the list
// operations' limits, pool-id validation, disabling and enabling users), driven with the real AWS SDK v3 client against the sim.
import { resolve } from 'node:path';
import {
  AdminSetUserPasswordCommand,
  AdminDeleteUserCommand,
  AdminDisableUserCommand,
  AdminEnableUserCommand,
  AdminGetUserCommand,
  AdminUserGlobalSignOutCommand,
  GetUserCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  RevokeTokenCommand,
  DescribeUserPoolClientCommand,
  DescribeUserPoolCommand,
  ListUserPoolClientsCommand,
  ListUserPoolsCommand,
  ListGroupsCommand,
  AdminListGroupsForUserCommand,
  CreateGroupCommand,
  ListUsersCommand,
  SignUpCommand,
  type UserType,
} from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { planStack, readStackTemplate } from '../../sim/cloud-assembly/stack-plan.js';
import { synthesizeIfChanged } from '../../sim/cloud-assembly/synth-cache.js';
import { userPoolConfigFromPlan } from '../../sim/cloud-assembly/user-pool-config.js';
import { CLIENT_ID, PASSWORD, POOL_ID, REGION, failureOf, signUpAndSignIn, startCognitoSim, type CognitoSimHarness } from './cognito-sim-harness.js';

const emailOf = (user: UserType) => user.Attributes?.find((attribute) => attribute.Name === 'email')?.Value;

describe('Cognito sim: ListUsers', () => {
  let sim: CognitoSimHarness;
  beforeAll(async () => {
    sim = await startCognitoSim();
    await signUpAndSignIn(sim, 'confirmed@example.com');
    await sim.client.send(new SignUpCommand({ ClientId: CLIENT_ID, Username: 'pending@example.com', Password: PASSWORD }));
  });
  afterAll(() => sim.close({ removeData: true }));

  const emailsMatching = async (Filter: string) =>
    ((await sim.client.send(new ListUsersCommand({ UserPoolId: POOL_ID, Filter }))).Users ?? []).map(emailOf).sort();

  it('filters on status as Enabled or Disabled, in that case only', async () => {
    expect(await emailsMatching('status = "Enabled"')).toEqual(['confirmed@example.com', 'pending@example.com']);
    expect(await emailsMatching('status ^= "En"')).toHaveLength(2);
    expect(await emailsMatching('status = "enabled"')).toEqual([]);
    expect(await emailsMatching('status = "Disabled"')).toEqual([]);
  });

  it('answers AttributesToGet with only those attributes, and refuses one a listed user has not set, as Cognito does', async () => {
    const listed = await sim.client.send(new ListUsersCommand({ UserPoolId: POOL_ID, AttributesToGet: ['email'] }));
    expect(listed.Users?.map((user) => user.Attributes?.map((attribute) => attribute.Name))).toEqual([['email'], ['email']]);

    const notSet = { name: 'InvalidParameterException', message: 'One or more requested attributes do not exist.' };
    expect(await failureOf(sim.client.send(new ListUsersCommand({ UserPoolId: POOL_ID, AttributesToGet: ['email', 'given_name'] })))).toEqual(notSet);
    expect(await failureOf(sim.client.send(new ListUsersCommand({ UserPoolId: POOL_ID, AttributesToGet: ['custom:nothing'] })))).toEqual(notSet);
    // Names every object has are no attribute a user set (they passed before, listing nothing).
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      expect(await failureOf(sim.client.send(new ListUsersCommand({ UserPoolId: POOL_ID, AttributesToGet: [name] }))), name).toEqual(notSet);
    }
    // Judged on the users listed: a filter that lists nobody lists nobody.
    expect((await sim.client.send(new ListUsersCommand({ UserPoolId: POOL_ID, AttributesToGet: ['given_name'], Filter: 'email = "nobody@example.com"' }))).Users).toEqual([]);
  });

  it('says an operation of Cognito it does not serve is not emulated, and lists what it serves', async () => {
    const refused = await failureOf(sim.client.send(new CreateGroupCommand({ UserPoolId: POOL_ID, GroupName: 'admins' })));

    expect(refused.name).toBe('UnknownOperationException');
    expect(refused.message).toMatch(/^Unknown operation AWSCognitoIdentityProviderService\.CreateGroup: not emulated by the local kit, which serves AdminConfirmSignUp, .*ListUsers, .*SignUp/);
  });

  it('lists no groups, as Cognito lists them for a pool without any, with Cognito’s checks', async () => {
    expect((await sim.client.send(new ListGroupsCommand({ UserPoolId: POOL_ID, Limit: 10 }))).Groups).toEqual([]);
    expect((await sim.client.send(new AdminListGroupsForUserCommand({ UserPoolId: POOL_ID, Username: 'confirmed@example.com' }))).Groups).toEqual([]);

    expect(await failureOf(sim.client.send(new AdminListGroupsForUserCommand({ UserPoolId: POOL_ID, Username: 'nobody@example.com' })))).toEqual({
      name: 'UserNotFoundException', message: 'User does not exist.',
    });
    expect(await failureOf(sim.client.send(new ListGroupsCommand({ UserPoolId: 'us-east-1_Nope12345' })))).toMatchObject({ name: 'ResourceNotFoundException' });
    expect(await failureOf(sim.client.send(new ListGroupsCommand({ UserPoolId: POOL_ID, Limit: 61 })))).toEqual({
      name: 'InvalidParameterException',
      message: "1 validation error detected: Value '61' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 60",
    });
    expect(await failureOf(sim.client.send(new ListGroupsCommand({ UserPoolId: POOL_ID, NextToken: 'made-up' })))).toEqual({
      name: 'InvalidParameterException', message: 'Invalid pagination token.',
    });
  });

  it('filters on cognito:user_status in any case', async () => {
    expect(await emailsMatching('cognito:user_status = "confirmed"')).toEqual(['confirmed@example.com']);
    expect(await emailsMatching('cognito:user_status = "CONFIRMED"')).toEqual(['confirmed@example.com']);
    expect(await emailsMatching('cognito:user_status = "Unconfirmed"')).toEqual(['pending@example.com']);
    expect(await emailsMatching('cognito:user_status ^= "unconf"')).toEqual(['pending@example.com']);
  });

  it('rejects a Limit below 0 or above 60 with the bound it breaks', async () => {
    expect(await failureOf(sim.client.send(new ListUsersCommand({ UserPoolId: POOL_ID, Limit: -1 })))).toEqual({
      name: 'InvalidParameterException',
      message: "1 validation error detected: Value '-1' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 0",
    });
    expect(await failureOf(sim.client.send(new ListUsersCommand({ UserPoolId: POOL_ID, Limit: 61 })))).toEqual({
      name: 'InvalidParameterException',
      message: "1 validation error detected: Value '61' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 60",
    });
  });
});

describe('Cognito sim: usernames in a pool whose usernames match in any case', () => {
  let sim: CognitoSimHarness;
  let caseSensitive: CognitoSimHarness;
  beforeAll(async () => {
    // The kit's stack sets signInCaseSensitive: false (UsernameConfiguration.CaseSensitive false).
    sim = await startCognitoSim({ configurePool: (config) => ({ ...config, settings: { UsernameConfiguration: { CaseSensitive: false } } }) });
    caseSensitive = await startCognitoSim();
  });
  afterAll(async () => {
    await sim.close({ removeData: true });
    await caseSensitive.close({ removeData: true });
  });

  it('finds a user by its username in another case ("username, USERNAME, or UserName"), and only there', async () => {
    await signUpAndSignIn(sim, 'anycase@example.com');
    const username = (await sim.client.send(new AdminGetUserCommand({ UserPoolId: POOL_ID, Username: 'anycase@example.com' }))).Username!;
    const found = await sim.client.send(new AdminGetUserCommand({ UserPoolId: POOL_ID, Username: username.toUpperCase() }));
    expect(found.Username).toBe(username);

    await signUpAndSignIn(caseSensitive, 'onecase@example.com');
    const exact = (await caseSensitive.client.send(new AdminGetUserCommand({ UserPoolId: POOL_ID, Username: 'onecase@example.com' }))).Username!;
    expect(await failureOf(caseSensitive.client.send(new AdminGetUserCommand({ UserPoolId: POOL_ID, Username: exact.toUpperCase() })))).toEqual({
      name: 'UserNotFoundException',
      message: 'User does not exist.',
    });
  });
});

describe('Cognito sim: AdminSetUserPassword', () => {
  let sim: CognitoSimHarness;
  beforeAll(async () => {
    sim = await startCognitoSim();
  });
  afterAll(() => sim.close({ removeData: true }));
  const setPassword = (Username: string, Password: string, Permanent?: boolean) =>
    sim.client.send(new AdminSetUserPasswordCommand({ UserPoolId: POOL_ID, Username, Password, Permanent }));

  it('sets a permanent password, which makes an unconfirmed user CONFIRMED as AWS documents', async () => {
    await sim.client.send(new SignUpCommand({ ClientId: CLIENT_ID, Username: 'set-password@example.com', Password: PASSWORD }));

    await setPassword('set-password@example.com', 'An0ther-Passw0rd!', true);

    const user = await sim.client.send(new AdminGetUserCommand({ UserPoolId: POOL_ID, Username: 'set-password@example.com' }));
    expect(user.UserStatus).toBe('CONFIRMED');
  });

  it("holds the password to the pool's policy, names an unknown user, and refuses a temporary password it does not emulate", async () => {
    await sim.client.send(new SignUpCommand({ ClientId: CLIENT_ID, Username: 'weak-set@example.com', Password: PASSWORD }));

    expect(await failureOf(setPassword('weak-set@example.com', 'short', true))).toEqual({
      name: 'InvalidPasswordException', message: 'Password did not conform with policy: Password not long enough',
    });
    expect(await failureOf(setPassword('nobody@example.com', 'An0ther-Passw0rd!', true))).toEqual({
      name: 'UserNotFoundException', message: 'User does not exist.',
    });
    expect(await failureOf(setPassword('weak-set@example.com', 'An0ther-Passw0rd!'))).toEqual({
      name: 'UnsupportedOperationException',
      message: 'The sim emulates permanent passwords only (Permanent: true), not the FORCE_CHANGE_PASSWORD status.',
    });
    const user = await sim.client.send(new AdminGetUserCommand({ UserPoolId: POOL_ID, Username: 'weak-set@example.com' }));
    expect(user.UserStatus).toBe('UNCONFIRMED');
  });

  it('refuses a Permanent that is not a boolean, which the SDKs cannot send, as Coral would not read it', async () => {
    await sim.client.send(new SignUpCommand({ ClientId: CLIENT_ID, Username: 'typed-set@example.com', Password: PASSWORD }));
    // A hand-made request: the harness checks no signature.
    const response = await fetch(sim.baseUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityProviderService.AdminSetUserPassword' },
      body: JSON.stringify({ UserPoolId: POOL_ID, Username: 'typed-set@example.com', Password: 'An0ther-Passw0rd!', Permanent: 'yes' }),
    });

    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ __type: 'SerializationException', message: 'Permanent must be a boolean, not "yes"' });
    const user = await sim.client.send(new AdminGetUserCommand({ UserPoolId: POOL_ID, Username: 'typed-set@example.com' }));
    expect(user.UserStatus).toBe('UNCONFIRMED');
  });
});

describe('Cognito sim: AdminDisableUser and AdminEnableUser', () => {
  let sim: CognitoSimHarness;
  beforeAll(async () => {
    sim = await startCognitoSim();
  });
  afterAll(() => sim.close({ removeData: true }));
  beforeEach(() => sim.reset());

  const disable = (Username: string) => sim.client.send(new AdminDisableUserCommand({ UserPoolId: POOL_ID, Username }));
  const enable = (Username: string) => sim.client.send(new AdminEnableUserCommand({ UserPoolId: POOL_ID, Username }));
  const initiate = (email: string) =>
    sim.client.send(new InitiateAuthCommand({ ClientId: CLIENT_ID, AuthFlow: 'CUSTOM_AUTH', AuthParameters: { USERNAME: email } }));
  const answer = (email: string, Session: string | undefined, ANSWER: string) =>
    sim.client.send(new RespondToAuthChallengeCommand({
      ClientId: CLIENT_ID, ChallengeName: 'CUSTOM_CHALLENGE', Session, ChallengeResponses: { USERNAME: email, ANSWER },
    }));
  const refresh = (REFRESH_TOKEN: string) =>
    sim.client.send(new InitiateAuthCommand({ ClientId: CLIENT_ID, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN } }));
  const disabled = { name: 'NotAuthorizedException', message: 'User is disabled.' };

  it("stops sign-in, revokes the user's tokens and keeps the user listed as Disabled; other users are untouched", async () => {
    const target = await signUpAndSignIn(sim, 'disabled@example.com');
    const bystander = await signUpAndSignIn(sim, 'bystander-disable@example.com');

    await disable('DISABLED@example.com');

    const user = await sim.client.send(new AdminGetUserCommand({ UserPoolId: POOL_ID, Username: 'disabled@example.com' }));
    expect(user).toMatchObject({ Enabled: false, UserStatus: 'CONFIRMED' });
    const listed = await sim.client.send(new ListUsersCommand({ UserPoolId: POOL_ID, Filter: 'status = "Disabled"' }));
    expect(listed.Users?.map(emailOf)).toEqual(['disabled@example.com']);
    expect(await failureOf(initiate('disabled@example.com'))).toEqual(disabled);
    expect(await failureOf(sim.client.send(new GetUserCommand({ AccessToken: target.AccessToken })))).toEqual({
      name: 'NotAuthorizedException', message: 'Access Token has been revoked',
    });
    expect(await failureOf(refresh(target.RefreshToken!))).toMatchObject({ name: 'NotAuthorizedException' });
    expect((await sim.client.send(new GetUserCommand({ AccessToken: bystander.AccessToken }))).Username).toBe(bystander.sub);
    expect((await refresh(bystander.RefreshToken!)).AuthenticationResult?.AccessToken).toBeDefined();
  });

  it('refuses a sign-in already under way when the user is disabled before the next answer', async () => {
    await signUpAndSignIn(sim, 'mid-flow@example.com');
    const started = await initiate('mid-flow@example.com');
    const secondRound = await answer('mid-flow@example.com', started.Session, 'answer-1');

    await disable('mid-flow@example.com');
    const answersVerified = sim.eventsOf('VerifyAuthChallengeResponse').length;

    expect(await failureOf(answer('mid-flow@example.com', secondRound.Session, 'answer-2'))).toEqual(disabled);
    // Refused before VerifyAuthChallengeResponse, as InitiateAuth refuses before any trigger.
    expect(sim.eventsOf('VerifyAuthChallengeResponse')).toHaveLength(answersVerified);
  });

  it('mints no tokens when the user is disabled while the last triggers run', async () => {
    await signUpAndSignIn(sim, 'during-triggers@example.com');
    sim.triggers.PostAuthentication = async (event) => {
      await disable('during-triggers@example.com');
      return event;
    };
    const started = await initiate('during-triggers@example.com');
    const secondRound = await answer('during-triggers@example.com', started.Session, 'answer-1');

    expect(await failureOf(answer('during-triggers@example.com', secondRound.Session, 'answer-2'))).toEqual(disabled);
  });

  it('mints no tokens for a user deleted while the last triggers run', async () => {
    await signUpAndSignIn(sim, 'deleted-during@example.com');
    sim.triggers.PreTokenGeneration = async (event) => {
      await sim.client.send(new AdminDeleteUserCommand({ UserPoolId: POOL_ID, Username: 'deleted-during@example.com' }));
      return event;
    };
    const started = await initiate('deleted-during@example.com');
    const secondRound = await answer('deleted-during@example.com', started.Session, 'answer-1');

    expect(await failureOf(answer('deleted-during@example.com', secondRound.Session, 'answer-2'))).toEqual({
      name: 'NotAuthorizedException', message: 'Incorrect username or password.',
    });
  });

  // A refresh already running when the token is revoked or its user disabled, deleted or signed
  // out: the call that did it answered first, so the refresh must not come back with tokens (an
  // audit's 40 parallel refreshes got 13-15 sets after the revocation had answered).
  it.each([
    // AdminDisableUser revokes the user's tokens, which is what the refresh then meets.
    ['the user is disabled', (email: string) => disable(email), { name: 'NotAuthorizedException', message: 'Refresh Token has been revoked' }],
    ['the user is deleted', (email: string) => sim.client.send(new AdminDeleteUserCommand({ UserPoolId: POOL_ID, Username: email })),
      { name: 'NotAuthorizedException', message: 'Invalid Refresh Token' }],
    ['the user is signed out everywhere', (email: string) => sim.client.send(new AdminUserGlobalSignOutCommand({ UserPoolId: POOL_ID, Username: email })),
      { name: 'NotAuthorizedException', message: 'Refresh Token has been revoked' }],
  ])('mints no tokens from a refresh token when %s while PreTokenGeneration runs', async (situation, revoke, refusal) => {
    const email = `refresh-${situation.split(' ').at(-1)}@example.com`;
    const signedIn = await signUpAndSignIn(sim, email);
    sim.triggers.PreTokenGeneration = async (event) => {
      if (event.triggerSource === 'TokenGeneration_RefreshTokens') await revoke(email);
      return event;
    };

    expect(await failureOf(refresh(signedIn.RefreshToken!))).toEqual(refusal);
  });

  it('mints no tokens from a refresh token revoked (RevokeToken) while PreTokenGeneration runs', async () => {
    const signedIn = await signUpAndSignIn(sim, 'refresh-revoked@example.com');
    sim.triggers.PreTokenGeneration = async (event) => {
      if (event.triggerSource === 'TokenGeneration_RefreshTokens') {
        await sim.client.send(new RevokeTokenCommand({ ClientId: CLIENT_ID, Token: signedIn.RefreshToken! }));
      }
      return event;
    };

    expect(await failureOf(refresh(signedIn.RefreshToken!))).toEqual({ name: 'NotAuthorizedException', message: 'Refresh Token has been revoked' });
  });

  it('lets an enabled user sign in again, with the tokens revoked at the disabling still revoked', async () => {
    const before = await signUpAndSignIn(sim, 'reenabled@example.com');
    await disable('reenabled@example.com');
    await disable('reenabled@example.com');

    await enable('reenabled@example.com');

    const user = await sim.client.send(new AdminGetUserCommand({ UserPoolId: POOL_ID, Username: 'reenabled@example.com' }));
    expect(user.Enabled).toBe(true);
    const after = await signUpAndSignIn(sim, 'reenabled@example.com');
    expect((await sim.client.send(new GetUserCommand({ AccessToken: after.AccessToken }))).Username).toBe(after.sub);
    expect(await failureOf(refresh(before.RefreshToken!))).toEqual({ name: 'NotAuthorizedException', message: 'Refresh Token has been revoked' });
  });

  it('names an unknown user as the other administrator operations do', async () => {
    expect(await failureOf(disable('nobody@example.com'))).toEqual({ name: 'UserNotFoundException', message: 'User does not exist.' });
    expect(await failureOf(enable('nobody@example.com'))).toEqual({ name: 'UserNotFoundException', message: 'User does not exist.' });
  });
});

describe('Cognito sim: ListUsers pages', () => {
  let sim: CognitoSimHarness;
  const emails = ['page-a@example.com', 'page-b@example.com', 'page-c@example.com', 'page-d@example.com', 'page-e@example.com'];
  beforeAll(async () => {
    sim = await startCognitoSim();
    for (const email of emails) {
      await sim.client.send(new SignUpCommand({ ClientId: CLIENT_ID, Username: email, Password: PASSWORD }));
      sim.clock.advance(1000);
    }
  });
  afterAll(() => sim.close({ removeData: true }));

  const page = (Limit: number, PaginationToken?: string) => sim.client.send(new ListUsersCommand({ UserPoolId: POOL_ID, Limit, PaginationToken }));

  it('continues after the last user returned when users are deleted between pages, that one and the next included', async () => {
    const first = await page(2);
    expect(first.Users?.map(emailOf)).toEqual(['page-a@example.com', 'page-b@example.com']);

    // page-b was the last one returned, page-c would have started the next page.
    await sim.client.send(new AdminDeleteUserCommand({ UserPoolId: POOL_ID, Username: 'page-b@example.com' }));
    await sim.client.send(new AdminDeleteUserCommand({ UserPoolId: POOL_ID, Username: 'page-c@example.com' }));
    const second = await page(2, first.PaginationToken);

    expect(second.Users?.map(emailOf)).toEqual(['page-d@example.com', 'page-e@example.com']);
    expect(second.PaginationToken).toBeUndefined();
  });

  it('answers a token it did not issue with Invalid pagination token.', async () => {
    const notOurs = Buffer.from('page-d@example.com').toString('base64url');

    expect(await failureOf(page(2, notOurs))).toEqual({ name: 'InvalidParameterException', message: 'Invalid pagination token.' });
    expect(await failureOf(page(2, 'not base64 at all!'))).toEqual({ name: 'InvalidParameterException', message: 'Invalid pagination token.' });
  });
});

describe('Cognito sim: list limits and pool ids', () => {
  let sim: CognitoSimHarness;
  beforeAll(async () => {
    sim = await startCognitoSim();
  });
  afterAll(() => sim.close({ removeData: true }));

  it('rejects MaxResults 0 of ListUserPools and ListUserPoolClients with the lower bound', async () => {
    const tooFew = "1 validation error detected: Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1";

    expect(await failureOf(sim.client.send(new ListUserPoolsCommand({ MaxResults: 0 })))).toEqual({ name: 'InvalidParameterException', message: tooFew });
    expect(await failureOf(sim.client.send(new ListUserPoolClientsCommand({ UserPoolId: POOL_ID, MaxResults: 0 })))).toEqual({ name: 'InvalidParameterException', message: tooFew });
    expect((await failureOf(sim.client.send(new ListUserPoolsCommand({ MaxResults: 61 })))).message).toMatch(/Member must have value less than or equal to 60$/);
  });

  // Hand-made requests: the SDKs send integers as JSON numbers, and the harness checks no signature.
  const rawCall = async (operation: string, body: Record<string, unknown>) => {
    const response = await fetch(sim.baseUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${operation}` },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const serializationError = (message: string) => ({ status: 400, body: { __type: 'SerializationException', message } });

  it.each([
    ['ListUsers', 'Limit', { UserPoolId: POOL_ID }],
    ['ListUserPools', 'MaxResults', {}],
    ['ListUserPoolClients', 'MaxResults', { UserPoolId: POOL_ID }],
  ])('refuses a %s %s that is not a JSON number with SerializationException, as Coral does', async (operation, member, rest) => {
    expect(await rawCall(operation, { ...rest, [member]: '1' })).toEqual(serializationError('class java.lang.String can not be converted to an Integer'));
    expect(await rawCall(operation, { ...rest, [member]: true })).toEqual(serializationError('class java.lang.Boolean can not be converted to an Integer'));
    expect(await rawCall(operation, { ...rest, [member]: [1] })).toEqual(serializationError('Start of list found where not expected'));
    expect(await rawCall(operation, { ...rest, [member]: { n: 1 } })).toEqual(serializationError('Start of structure or map found where not expected.'));
  });

  it('refuses a ListUsers Filter, PaginationToken or AttributesToGet of the wrong JSON type instead of ignoring it (and listing every user)', async () => {
    expect(await rawCall('ListUsers', { UserPoolId: POOL_ID, Filter: 5 })).toEqual(serializationError('class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String'));
    expect(await rawCall('ListUsers', { UserPoolId: POOL_ID, Filter: { email: 'a@example.com' } })).toEqual(serializationError('Start of structure or map found where not expected.'));
    expect(await rawCall('ListUsers', { UserPoolId: POOL_ID, PaginationToken: true })).toEqual(serializationError('class java.lang.Boolean can not be converted to an String'));
    expect(await rawCall('ListUsers', { UserPoolId: POOL_ID, AttributesToGet: 'email' })).toEqual(serializationError('class java.lang.String can not be converted to an List'));
    expect(await rawCall('ListUsers', { UserPoolId: POOL_ID, AttributesToGet: [7] })).toEqual(serializationError('class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String'));
    // Read before the pool id is validated, as the body is read whole first.
    expect(await rawCall('ListUsers', { UserPoolId: 'not-a-pool', Filter: [] })).toEqual(serializationError('Start of list found where not expected'));
  });

  it.each([
    ['ListUserPools', { MaxResults: 10 }],
    ['ListUserPoolClients', { UserPoolId: POOL_ID }],
  ])('refuses a %s NextToken of the wrong JSON type, or empty, instead of answering the first page', async (operation, rest) => {
    expect(await rawCall(operation, { ...rest, NextToken: 1 })).toEqual(serializationError('class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String'));
    expect(await rawCall(operation, { ...rest, NextToken: ['x'] })).toEqual(serializationError('Start of list found where not expected'));
    expect(await rawCall(operation, { ...rest, NextToken: '' })).toEqual({
      status: 400,
      body: { __type: 'InvalidParameterException', message: "1 validation error detected: Value '' at 'nextToken' failed to satisfy constraint: Member must have length greater than or equal to 1" },
    });
    expect((await rawCall(operation, { ...rest, NextToken: null })).status).toBe(200);
  });

  it('refuses a ListUsers Filter over 256 characters and attribute names outside 1 to 32 characters, as the model limits them', async () => {
    const filter = `email ^= "${'a'.repeat(250)}"`;
    expect(await failureOf(sim.client.send(new ListUsersCommand({ UserPoolId: POOL_ID, Filter: filter })))).toEqual({
      name: 'InvalidParameterException',
      message: `1 validation error detected: Value '${filter}' at 'filter' failed to satisfy constraint: Member must have length less than or equal to 256`,
    });
    const longName = `custom:${'n'.repeat(26)}`;
    expect(await failureOf(sim.client.send(new ListUsersCommand({ UserPoolId: POOL_ID, AttributesToGet: ['email', longName, ''] })))).toEqual({
      name: 'InvalidParameterException',
      message: `2 validation errors detected: Value '${longName}' at 'attributesToGet.2.member' failed to satisfy constraint: Member must have length less than or equal to 32; `
        + "Value '' at 'attributesToGet.3.member' failed to satisfy constraint: Member must have length greater than or equal to 1",
    });
    expect((await sim.client.send(new ListUsersCommand({ UserPoolId: POOL_ID, AttributesToGet: ['email'], Filter: `email ^= "${'a'.repeat(245)}"` }))).Users).toEqual([]);
  });

  it('reads a wrong-typed Limit before validating the pool id, as Coral reads the body before validating it', async () => {
    expect(await rawCall('ListUsers', { UserPoolId: 'not-a-pool', Limit: '1' })).toEqual(serializationError('class java.lang.String can not be converted to an Integer'));
    expect(await rawCall('ListUserPoolClients', { UserPoolId: 'eu-west-1_Nopool123', MaxResults: '1' })).toEqual(serializationError('class java.lang.String can not be converted to an Integer'));
  });

  it('truncates a fractional Limit or MaxResults to an integer and validates what it read', async () => {
    expect((await rawCall('ListUsers', { UserPoolId: POOL_ID, Limit: 1.5 })).status).toBe(200);
    expect((await rawCall('ListUserPools', { MaxResults: 60.9 })).status).toBe(200);
    expect(await rawCall('ListUsers', { UserPoolId: POOL_ID, Limit: 61.5 })).toEqual({
      status: 400,
      body: { __type: 'InvalidParameterException', message: "1 validation error detected: Value '61' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 60" },
    });
    expect(await rawCall('ListUserPools', { MaxResults: 0.5 })).toEqual({
      status: 400,
      body: { __type: 'InvalidParameterException', message: "1 validation error detected: Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1" },
    });
  });

  it('takes a null MaxResults of ListUserPools as missing', async () => {
    expect(await rawCall('ListUserPools', { MaxResults: null })).toEqual({
      status: 400,
      body: { __type: 'InvalidParameterException', message: "1 validation error detected: Value null at 'maxResults' failed to satisfy constraint: Member must not be null" },
    });
  });

  it('validates ListUserPoolClients MaxResults before looking the pool up', async () => {
    expect((await failureOf(sim.client.send(new ListUserPoolClientsCommand({ UserPoolId: 'eu-west-1_Nopool123', MaxResults: 0 })))).name).toBe('InvalidParameterException');
  });

  it('answers a malformed pool id with the pattern it breaks, before looking it up', async () => {
    const pattern = 'Member must satisfy regular expression pattern: [\\w-]+_[0-9a-zA-Z]+';

    expect(await failureOf(sim.client.send(new AdminGetUserCommand({ UserPoolId: 'not-a-pool', Username: 'x@example.com' })))).toEqual({
      name: 'InvalidParameterException',
      message: `1 validation error detected: Value 'not-a-pool' at 'userPoolId' failed to satisfy constraint: ${pattern}`,
    });
    expect(await failureOf(sim.client.send(new DescribeUserPoolCommand({ UserPoolId: 'bad!' })))).toEqual({
      name: 'InvalidParameterException',
      message: `1 validation error detected: Value 'bad!' at 'userPoolId' failed to satisfy constraint: ${pattern}`,
    });
  });

  it('answers a pool id over 55 characters with the length limit, and with both constraints when it breaks both', async () => {
    const long = `${REGION}_${'a'.repeat(46)}`;
    const longAndMalformed = `${'a'.repeat(56)}!`;

    expect(await failureOf(sim.client.send(new ListUsersCommand({ UserPoolId: long })))).toEqual({
      name: 'InvalidParameterException',
      message: `1 validation error detected: Value '${long}' at 'userPoolId' failed to satisfy constraint: Member must have length less than or equal to 55`,
    });
    expect((await failureOf(sim.client.send(new ListUsersCommand({ UserPoolId: longAndMalformed })))).message).toMatch(/^2 validation errors detected: .*regular expression pattern.*; .*length less than or equal to 55$/);
  });

  it('answers a malformed client id with the pattern it breaks, before looking a client up, in every operation that takes one', async () => {
    // As AWS answered a pool id passed as the client id (boto/boto3#3581).
    const refusal = (value: string) => ({
      name: 'InvalidParameterException',
      message: `1 validation error detected: Value '${value}' at 'clientId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+]+`,
    });
    expect(await failureOf(sim.client.send(new InitiateAuthCommand({ ClientId: POOL_ID, AuthFlow: 'CUSTOM_AUTH', AuthParameters: { USERNAME: 'x@example.com' } })))).toEqual(refusal(POOL_ID));
    expect(await failureOf(sim.client.send(new SignUpCommand({ ClientId: 'bad-client!', Username: 'x@example.com', Password: PASSWORD })))).toEqual(refusal('bad-client!'));
    expect(await failureOf(sim.client.send(new DescribeUserPoolClientCommand({ UserPoolId: POOL_ID, ClientId: 'a-b' })))).toEqual(refusal('a-b'));
    expect(await failureOf(sim.client.send(new RespondToAuthChallengeCommand({ ClientId: 'a b', ChallengeName: 'CUSTOM_CHALLENGE', Session: 'x', ChallengeResponses: { USERNAME: 'x', ANSWER: 'y' } })))).toEqual(refusal('a b'));
  });

  it('answers a client id over 128 characters with its length limit, and a well-formed unknown one with ResourceNotFoundException', async () => {
    const long = 'a'.repeat(129);
    expect(await failureOf(sim.client.send(new InitiateAuthCommand({ ClientId: long, AuthFlow: 'CUSTOM_AUTH', AuthParameters: { USERNAME: 'x@example.com' } })))).toEqual({
      name: 'InvalidParameterException',
      message: `1 validation error detected: Value '${long}' at 'clientId' failed to satisfy constraint: Member must have length less than or equal to 128`,
    });
    expect(await failureOf(sim.client.send(new InitiateAuthCommand({ ClientId: 'a'.repeat(128), AuthFlow: 'CUSTOM_AUTH', AuthParameters: { USERNAME: 'x@example.com' } })))).toEqual({
      name: 'ResourceNotFoundException',
      message: `User pool client ${'a'.repeat(128)} does not exist.`,
    });
  });

  it('checks a pool id over 2048 characters against its own limit of 55, not the 2048 of other members', async () => {
    const huge = `${REGION}_${'a'.repeat(2100)}`;
    const lengthOnly = {
      name: 'InvalidParameterException',
      message: `1 validation error detected: Value '${huge}' at 'userPoolId' failed to satisfy constraint: Member must have length less than or equal to 55`,
    };
    expect(await failureOf(sim.client.send(new ListUsersCommand({ UserPoolId: huge })))).toEqual(lengthOnly);
    expect(await failureOf(sim.client.send(new DescribeUserPoolCommand({ UserPoolId: huge })))).toEqual(lengthOnly);
    expect(await failureOf(sim.client.send(new AdminGetUserCommand({ UserPoolId: huge, Username: 'x@example.com' })))).toEqual(lengthOnly);
  });

  it('validates every member before looking the pool up, as Coral validates a request whole', async () => {
    const nowhere = 'eu-west-1_Nopool123';
    expect(await failureOf(sim.client.send(new AdminGetUserCommand({ UserPoolId: nowhere } as never)))).toEqual({
      name: 'InvalidParameterException',
      message: "1 validation error detected: Value null at 'username' failed to satisfy constraint: Member must not be null",
    });
    expect(await failureOf(sim.client.send(new AdminUserGlobalSignOutCommand({ UserPoolId: nowhere } as never)))).toEqual({
      name: 'InvalidParameterException',
      message: "1 validation error detected: Value null at 'username' failed to satisfy constraint: Member must not be null",
    });
    expect(await failureOf(sim.client.send(new DescribeUserPoolClientCommand({ UserPoolId: nowhere } as never)))).toEqual({
      name: 'InvalidParameterException',
      message: "1 validation error detected: Value null at 'clientId' failed to satisfy constraint: Member must not be null",
    });
    expect((await failureOf(sim.client.send(new ListUsersCommand({ UserPoolId: nowhere, Limit: 61 }))))).toEqual({
      name: 'InvalidParameterException',
      message: "1 validation error detected: Value '61' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 60",
    });
  });

  it('keeps ResourceNotFoundException for a well-formed id that names no pool', async () => {
    expect(await failureOf(sim.client.send(new AdminGetUserCommand({ UserPoolId: 'eu-west-1_Nopool123', Username: 'x@example.com' })))).toEqual({
      name: 'ResourceNotFoundException', message: 'User pool eu-west-1_Nopool123 does not exist.',
    });
  });
});

describe("Cognito sim: DescribeUserPool and DescribeUserPoolClient of the synthesized stack's pool", () => {
  const projectDir = resolve(import.meta.dirname, '../..');
  let sim: CognitoSimHarness;
  let poolId: string;
  let clientId: string;
  let template: { pool: Record<string, unknown>; client: Record<string, unknown> };
  beforeAll(async () => {
    const { cloudAssemblyDir } = await synthesizeIfChanged({ projectDir });
    const plan = planStack({ cloudAssemblyDir, stackName: 'FaceAuthStack', region: REGION });
    const config = userPoolConfigFromPlan(plan.userPools[0]!, REGION);
    poolId = config.userPoolId;
    clientId = config.clients[0]!.clientId;
    const resources = Object.values(readStackTemplate(cloudAssemblyDir, 'FaceAuthStack').Resources);
    template = {
      pool: resources.find((resource) => resource.Type === 'AWS::Cognito::UserPool')!.Properties!,
      client: resources.find((resource) => resource.Type === 'AWS::Cognito::UserPoolClient')!.Properties!,
    };
    sim = await startCognitoSim({ configurePool: () => config });
  });
  afterAll(() => sim?.close({ removeData: true }));

  it("reports the template's feature plan and the settings it gives, as the template gives them", async () => {
    const { UserPool } = await sim.client.send(new DescribeUserPoolCommand({ UserPoolId: poolId }));

    expect(template.pool.UserPoolTier).toBe('LITE');
    expect(UserPool).toMatchObject({
      UserPoolTier: 'LITE',
      UsernameConfiguration: { CaseSensitive: false },
      AccountRecoverySetting: template.pool.AccountRecoverySetting,
      AdminCreateUserConfig: template.pool.AdminCreateUserConfig,
      VerificationMessageTemplate: template.pool.VerificationMessageTemplate,
      EmailVerificationMessage: template.pool.EmailVerificationMessage,
      EmailVerificationSubject: template.pool.EmailVerificationSubject,
      SmsVerificationMessage: template.pool.SmsVerificationMessage,
    });
    expect(UserPool?.UserAttributeUpdateSettings).toEqual(template.pool.UserAttributeUpdateSettings);
    // SourceArn is an Fn::Join in the template: it arrives resolved.
    expect(UserPool?.EmailConfiguration).toEqual({
      EmailSendingAccount: 'DEVELOPER',
      From: (template.pool.EmailConfiguration as { From: string }).From,
      SourceArn: `arn:aws:ses:${REGION}:000000000000:identity/no-reply@facekit.local`,
    });
  });

  it("reports CloudFormation's defaults for what the template leaves out (no MFA, Cognito's password policy)", async () => {
    const { UserPool } = await sim.client.send(new DescribeUserPoolCommand({ UserPoolId: poolId }));

    expect(template.pool.MfaConfiguration).toBeUndefined();
    expect(template.pool.Policies).toBeUndefined();
    expect(UserPool?.MfaConfiguration).toBe('OFF');
    expect(UserPool?.DeletionProtection).toBe('INACTIVE');
    expect(UserPool?.Policies?.PasswordPolicy).toEqual({
      MinimumLength: 8, RequireUppercase: true, RequireLowercase: true, RequireNumbers: true, RequireSymbols: true, TemporaryPasswordValidityDays: 7,
    });
  });

  it('lists the standard attributes every pool has, with email required and immutable as the Schema says', async () => {
    const { UserPool } = await sim.client.send(new DescribeUserPoolCommand({ UserPoolId: poolId }));
    const attributes = UserPool?.SchemaAttributes ?? [];

    expect(attributes.map((attribute) => attribute.Name)).toEqual([
      'sub', 'name', 'given_name', 'family_name', 'middle_name', 'nickname', 'preferred_username', 'profile', 'picture', 'website',
      'email', 'email_verified', 'gender', 'birthdate', 'zoneinfo', 'locale', 'phone_number', 'phone_number_verified', 'address',
      'updated_at', 'identities',
    ]);
    expect(attributes.find((attribute) => attribute.Name === 'sub')).toEqual({
      Name: 'sub', AttributeDataType: 'String', DeveloperOnlyAttribute: false, Mutable: false, Required: true,
      StringAttributeConstraints: { MinLength: '1', MaxLength: '2048' },
    });
    expect(attributes.find((attribute) => attribute.Name === 'email')).toEqual({
      Name: 'email', AttributeDataType: 'String', DeveloperOnlyAttribute: false, Mutable: false, Required: true,
      StringAttributeConstraints: { MinLength: '0', MaxLength: '2048' },
    });
    expect(attributes.find((attribute) => attribute.Name === 'updated_at')).toMatchObject({ AttributeDataType: 'Number', NumberAttributeConstraints: { MinValue: '0' } });
  });

  it("reports the client's identity providers and the other settings the template gives", async () => {
    const { UserPoolClient } = await sim.client.send(new DescribeUserPoolClientCommand({ UserPoolId: poolId, ClientId: clientId }));

    expect(UserPoolClient).toMatchObject({
      SupportedIdentityProviders: ['COGNITO'],
      EnableTokenRevocation: template.client.EnableTokenRevocation,
      AllowedOAuthFlowsUserPoolClient: template.client.AllowedOAuthFlowsUserPoolClient,
      ExplicitAuthFlows: template.client.ExplicitAuthFlows,
      AuthSessionValidity: template.client.AuthSessionValidity,
    });
  });
});

describe('Cognito sim: SignUp in a pool of chosen usernames that match in any case', () => {
  let sim: CognitoSimHarness;
  beforeAll(async () => {
    sim = await startCognitoSim({
      configurePool: (config) => ({ ...config, usernameAttributes: [], settings: { UsernameConfiguration: { CaseSensitive: false } } }),
    });
  });
  afterAll(() => sim.close({ removeData: true }));

  it('refuses a username that differs from another only in case', async () => {
    await sim.client.send(new SignUpCommand({ ClientId: CLIENT_ID, Username: 'Erin', Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: 'erin@example.com' }] }));
    expect(await failureOf(sim.client.send(new SignUpCommand({ ClientId: CLIENT_ID, Username: 'ERIN', Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: 'erin2@example.com' }] })))).toEqual({
      name: 'UsernameExistsException',
      message: 'User already exists',
    });
  });
});
