// The page's flow module (web/src/face-sign-in-flow.js) with Amplify v6 in Node against a started
// kit: the challenge protocol and its refusals, faster than through a browser. Amplify keeps its
// tokens in an in-memory store here; in the page, in localStorage.
import { AdminDisableUserCommand, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { Amplify } from 'aws-amplify';
import { cognitoUserPoolsTokenProvider } from 'aws-amplify/auth/cognito';
import { InMemoryKeyValueStorage } from '../amplify-token-storage.js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateFace, generateFixture } from '../../sim/faces/generate-face.js';
import { decodeJwtClaims } from '../../cli/face-auth-client.js';
import {
  confirmEmail,
  currentClaims,
  newDeviceKey,
  PhotoUploadError,
  signInWithFace,
  signOutEverywhere,
  signUpOrResend,
  signUpWithEmail,
  type FlowOutcome,
  type Refusal,
} from '../../web/src/face-sign-in-flow.js';
import { describeError, needsAnotherPhoto, REFUSAL_MESSAGES } from '../../web/src/refusals.js';
import { amplifyConfig } from '../../web/src/stack-config.js';
import { latestCode, startHarness, type Harness } from '../e2e/embedded-cloud-harness.js';

let harness: Harness;
/** This "device's" key, as the page keeps one in localStorage. */
const deviceKey = newDeviceKey();

const photo = async (kind: 'face' | 'no-face', seed: string, variant = 0) => new Blob([await generateFixture(kind, seed, variant)], { type: 'image/jpeg' });
const signUpAndConfirm = async (email: string) => {
  await signUpWithEmail(email);
  return confirmEmail(email, (await latestCode(harness.endpoint, email)).code);
};

beforeAll(async () => {
  harness = await startHarness();
  Amplify.configure(
    amplifyConfig({ userPoolId: harness.outputs.UserPoolId, userPoolClientId: harness.outputs.UserPoolClientId, userPoolEndpoint: harness.endpoint }),
  );
  cognitoUserPoolsTokenProvider.setKeyValueStorage(new InMemoryKeyValueStorage());
}, 180_000);

afterAll(async () => {
  await harness?.close();
});

beforeEach(async () => {
  await signOutEverywhere(); // a test that failed half-way must not leave the next one signed in
});

/** The kit's clock moved on by a test, set back after it: the functions sign upload forms by the real one. */
let clockAdvanced = 0;
function advanceClock(milliseconds: number): void {
  harness.clock.advance(milliseconds);
  clockAdvanced += milliseconds;
}
afterEach(() => {
  harness.clock.advance(-clockAdvanced);
  clockAdvanced = 0;
});

describe('needsAnotherPhoto', () => {
  it('asks for another photo when the photo was at fault, and lets the same one go again when it did not arrive or was not checked in time', () => {
    for (const reason of ['NO_FACE', 'MULTIPLE_FACES', 'LOW_QUALITY', 'NOT_AN_IMAGE', 'TOO_LARGE']) {
      expect(needsAnotherPhoto({ kind: 'enrolment-rejected', reason })).toBe(true);
    }
    expect(needsAnotherPhoto({ kind: 'face-not-recognised' })).toBe(true);
    expect(needsAnotherPhoto({ kind: 'enrolment-rejected', reason: 'NOT_UPLOADED' })).toBe(false);
    expect(needsAnotherPhoto({ kind: 'enrolment-rejected', reason: 'NOT_CHECKED_IN_TIME' })).toBe(false);
    expect(needsAnotherPhoto({ kind: 'upload-failed' })).toBe(false);
  });
});

describe('the page’s flow with Amplify, from Node', () => {
  it('signs up, confirms with an enrolment secret, enrols and signs in with CUSTOM_WITHOUT_SRP', async () => {
    const email = 'module@example.com';
    const steps: string[] = [];

    const enrolSecret = await signUpAndConfirm(email);
    const enrolled = await signInWithFace(email, { deviceKey, photo: await photo('face', 'module'), enrolSecret, onStep: (kind) => steps.push(kind) });
    const enrolledClaims = await currentClaims();
    await signOutEverywhere();
    const signedIn = await signInWithFace(email, { deviceKey, photo: await photo('face', 'module', 2) });

    expect(steps).toEqual(['FACE_MATCH', 'MAILBOX_PROOF', 'ENROL_FACE']);
    expect(enrolled).toEqual({ kind: 'signed-in', challenges: ['FACE_MATCH', 'MAILBOX_PROOF', 'ENROL_FACE'] });
    expect(enrolledClaims).toMatchObject({ email, email_verified: true });
    expect(signedIn).toEqual({ kind: 'signed-in', challenges: ['FACE_MATCH'] });
    expect(await currentClaims()).toMatchObject({ email, sub: enrolledClaims?.sub });
  });

  it('surfaces Cognito errors by their AWS exception name, in plain words', async () => {
    await signUpWithEmail('twice@example.com');

    const error = await signUpWithEmail('twice@example.com').catch((caught: unknown) => caught);

    expect((error as Error).name).toBe('UsernameExistsException');
    expect(describeError(error)).toMatch(/^An account with this email already exists\./);
  });

  it('tells a disabled account apart from a refused photo, which waiting would not cure', async () => {
    const email = 'disabled-module@example.com';
    await signInWithFace(email, { deviceKey, photo: await photo('face', 'disabled-module'), enrolSecret: await signUpAndConfirm(email) });
    await signOutEverywhere();
    await harness.cognito.send(new AdminDisableUserCommand({ UserPoolId: harness.outputs.UserPoolId, Username: email }));

    const error = await signInWithFace(email, { deviceKey, photo: await photo('face', 'disabled-module', 2) }).catch((caught: unknown) => caught);

    expect(error).toMatchObject({ name: 'NotAuthorizedException', message: 'User is disabled.' });
    expect(describeError(error)).toBe('This account is disabled. Ask the administrator to enable it again. (User is disabled.)');
    expect(describeError({ name: 'NotAuthorizedException', message: 'Incorrect username or password.' })).toMatch(/^Sign-in was refused\. Wait a little/);
  });

  it('takes over an unconfirmed sign-up of the same email by confirming a new code, and refuses a confirmed one', async () => {
    const email = 'signed-up-by-someone@example.com';
    await signUpWithEmail(email); // someone else, who never sees the code

    expect(await signUpOrResend(email)).toEqual({ resent: true });
    await confirmEmail(email, (await latestCode(harness.endpoint, email)).code);
    await expect(signUpOrResend(email)).rejects.toMatchObject({ name: 'UsernameExistsException' });
  });

  it('puts the reason for a refused enrolment photo in plain words and enrols the retaken photo in the same session', async () => {
    const email = 'noface@example.com';
    const enrolSecret = await signUpAndConfirm(email);
    const refusals: Refusal[] = [];
    const retaken = await photo('face', 'noface');

    const outcome = await signInWithFace(email, {
      deviceKey,
      photo: await photo('no-face', 'noface'),
      enrolSecret,
      retakePhoto: async (refusal) => (refusals.push(refusal), retaken),
    });

    expect(refusals).toEqual([
      { kind: 'enrolment-rejected', reason: 'NO_FACE', message: expect.stringMatching(/^No face was found/), challenges: ['FACE_MATCH', 'MAILBOX_PROOF', 'ENROL_FACE'] },
    ]);
    expect(outcome).toEqual({ kind: 'signed-in', challenges: ['FACE_MATCH', 'MAILBOX_PROOF', 'ENROL_FACE', 'ENROL_FACE'] });
  });

  /** Photos the kit refuses, each for one reason. */
  const refusedPhotos = {
    'two faces': (seed: string) => generateFixture('two-faces', seed),
    'a face too small': (seed: string) => generateFace({ seed, faceScale: 0.05 }), // eyes 24 px apart
    'corrupt bytes': (seed: string) => generateFixture('corrupt', seed),
    'no face': (seed: string) => generateFixture('no-face', seed),
  };

  it.each([
    ['two faces', 'a face too small', ['MULTIPLE_FACES', 'LOW_QUALITY']],
    ['corrupt bytes', 'no face', ['NOT_AN_IMAGE', 'NO_FACE']],
  ] as const)('explains a photo with %s, then one with %s, in plain words, and enrols the third', async (first, second, reasons) => {
    const email = `refusals-${reasons[0].toLowerCase()}@example.com`;
    const enrolSecret = await signUpAndConfirm(email);
    const refusals: Refusal[] = [];
    const retakes = [new Blob([await refusedPhotos[second](email)], { type: 'image/jpeg' }), await photo('face', email)];

    const outcome = await signInWithFace(email, {
      deviceKey,
      photo: new Blob([await refusedPhotos[first](email)], { type: 'image/jpeg' }),
      enrolSecret,
      retakePhoto: async (refusal) => (refusals.push(refusal), retakes[refusals.length - 1]),
    });

    expect(refusals.map((refusal) => refusal.kind === 'enrolment-rejected' && refusal.reason)).toEqual(reasons);
    expect(refusals.map((refusal) => refusal.message)).toEqual(reasons.map((reason) => REFUSAL_MESSAGES[reason]));
    expect(outcome.kind).toBe('signed-in');
  });

  it('answers a user without a face like anyone whose face does not match, until they ask to enrol', async () => {
    const email = 'reloaded@example.com';
    await signUpAndConfirm(email);

    const outcome = await signInWithFace(email, { deviceKey, photo: await photo('face', 'reloaded') });

    expect(outcome).toEqual({ kind: 'face-not-recognised', message: expect.stringMatching(/^Face not recognised/), challenges: ['FACE_MATCH'] });
  });

  it('after a cancelled enrolment asks for a code by email, then enrols', async () => {
    const email = 'later@example.com';
    const enrolSecret = await signUpAndConfirm(email);
    const cancelled = await signInWithFace(email, { deviceKey, photo: await photo('no-face', 'later'), enrolSecret });
    const steps: string[] = [];

    const outcome = await signInWithFace(email, {
      deviceKey,
      photo: await photo('face', 'later'),
      enrol: true,
      emailCode: async () => (await latestCode(harness.endpoint, email)).code,
      onStep: (kind, { method }) => steps.push(`${kind}${method ? ` ${method}` : ''}`),
    });

    expect(cancelled.kind).toBe('enrolment-rejected');
    expect(steps).toEqual(['FACE_MATCH', 'MAILBOX_PROOF EMAIL_CODE', 'ENROL_FACE']);
    expect(outcome.kind).toBe('signed-in');
    expect(await currentClaims()).toMatchObject({ email });
  });

  it('ends with the refusal when no new photo is given, and stays signed out', async () => {
    const outcome = await signInWithFace('module@example.com', { deviceKey, photo: await photo('face', 'someone-else'), retakePhoto: async () => undefined });

    expect(outcome).toEqual({ kind: 'face-not-recognised', message: expect.stringMatching(/^Face not recognised/), challenges: ['FACE_MATCH'] });
    expect(await currentClaims()).toBeUndefined();
  });

  it('ends a session whose third face is not recognised as a face not recognised, not as Cognito’s refused password', async () => {
    const email = 'third-stranger@example.com';
    await signInWithFace(email, { deviceKey, photo: await photo('face', 'third'), enrolSecret: await signUpAndConfirm(email) });
    await signOutEverywhere();
    const strangers = [await photo('face', 'third-stranger-2'), await photo('face', 'third-stranger-3')];
    let asked = 0;

    const outcome = await signInWithFace(email, { deviceKey, photo: await photo('face', 'third-stranger-1'), retakePhoto: async () => strangers[asked++] });

    expect(asked).toBe(2);
    expect(outcome).toEqual({ kind: 'face-not-recognised', message: REFUSAL_MESSAGES.FACE_NOT_RECOGNISED, challenges: ['FACE_MATCH', 'FACE_MATCH', 'FACE_MATCH'] });
    expect(outcome.kind === 'face-not-recognised' && outcome.message).not.toMatch(/password|does not match/);
  });

  it('after a wrong enrolment code asks for the new one it emailed, and after three wrong codes ends with the code refused', async () => {
    const email = 'wrong-codes@example.com';
    await signUpAndConfirm(email);
    const requests: { previousCodeWrong: boolean }[] = [];

    const outcome = await signInWithFace(email, {
      deviceKey,
      photo: await photo('face', 'wrong-codes'),
      enrol: true,
      emailCode: async (request) => {
        requests.push(request);
        const { code } = await latestCode(harness.endpoint, email);
        return code.replace(/.$/, (digit) => String((Number(digit) + 1) % 10)); // a typo in the last digit
      },
    });

    expect(requests).toEqual([{ previousCodeWrong: false }, { previousCodeWrong: true }, { previousCodeWrong: true }]);
    expect(outcome).toEqual({ kind: 'code-refused', message: REFUSAL_MESSAGES.CODE_REFUSED, challenges: ['FACE_MATCH', 'MAILBOX_PROOF', 'MAILBOX_PROOF', 'MAILBOX_PROOF'] });
  });

  it('enrols with the newest code after a wrong one, and ends as cancelled when no code is given', async () => {
    const email = 'typo-then-right@example.com';
    await signUpAndConfirm(email);
    let asked = 0;

    const cancelled = await signInWithFace(email, { deviceKey, photo: await photo('face', 'typo'), enrol: true, emailCode: async () => undefined });
    const outcome = await signInWithFace(email, {
      deviceKey,
      photo: await photo('face', 'typo'),
      enrol: true,
      emailCode: async () => (asked++ === 0 ? '00000000' : (await latestCode(harness.endpoint, email)).code),
    });

    expect(cancelled).toEqual({ kind: 'cancelled', challenges: ['FACE_MATCH', 'MAILBOX_PROOF'] });
    expect(outcome).toEqual({ kind: 'signed-in', challenges: ['FACE_MATCH', 'MAILBOX_PROOF', 'MAILBOX_PROOF', 'ENROL_FACE'] });
  });

  it('says an email signed up but never confirmed is not confirmed yet, rather than naming an unexpected step', async () => {
    const email = 'never-confirmed@example.com';
    await signUpWithEmail(email);

    const outcome = await signInWithFace(email, { deviceKey, photo: await photo('face', 'never-confirmed') });

    expect(outcome).toEqual({ kind: 'email-not-confirmed', message: REFUSAL_MESSAGES.EMAIL_NOT_CONFIRMED, challenges: [] });
  });

  it('offers to send the photo again in the same session when its upload did not arrive, and signs in with it', async () => {
    const email = 'dropped-upload@example.com';
    await signInWithFace(email, { deviceKey, photo: await photo('face', 'dropped'), enrolSecret: await signUpAndConfirm(email) });
    await signOutEverywhere();
    const failures: unknown[] = [];
    const realFetch = globalThis.fetch;
    let uploads = 0;
    // The connection drops under the first photo upload, as when the kit stops (a browser says "Failed to fetch").
    globalThis.fetch = async (input, init) => {
      if (init?.method === 'POST' && init.body instanceof FormData && uploads++ === 0) throw new TypeError('Failed to fetch');
      return realFetch(input, init);
    };
    const sent = await photo('face', 'dropped', 2);
    let outcome: FlowOutcome;
    try {
      outcome = await signInWithFace(email, { deviceKey, photo: sent, retakePhoto: async (failure) => (failures.push(failure), sent) });
    } finally {
      globalThis.fetch = realFetch;
    }

    expect(failures).toEqual([
      { kind: 'upload-failed', message: expect.stringMatching(/^The photo could not be sent: the connection failed\. .*No answer from 127\.0\.0\.1:\d+\.\)$/), challenges: ['FACE_MATCH'] },
    ]);
    expect(outcome).toEqual({ kind: 'signed-in', challenges: ['FACE_MATCH'] });
  });

  it('says the sign-in expired when the photo is sent again after Cognito’s 3 minutes, instead of an HTTP status', async () => {
    const email = 'slow-retake@example.com';
    await signInWithFace(email, { deviceKey, photo: await photo('face', 'slow'), enrolSecret: await signUpAndConfirm(email) });
    await signOutEverywhere();
    const rightFace = await photo('face', 'slow', 2);

    const error = await signInWithFace(email, {
      deviceKey,
      photo: await photo('face', 'slow-stranger'),
      retakePhoto: async () => {
        advanceClock(3 * 60_000 + 1_000); // the user took more than 3 minutes over a new photo
        return rightFace;
      },
    }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(PhotoUploadError);
    expect(error).toMatchObject({ retryable: false, message: REFUSAL_MESSAGES.SESSION_ENDED });
    expect(describeError(error)).toBe(REFUSAL_MESSAGES.SESSION_ENDED);
  });

  it('says the sign-in expired when the emailed code comes after Cognito’s 3 minutes, not to wait and retry', async () => {
    const email = 'slow-code@example.com';
    await signUpAndConfirm(email);

    const error = await signInWithFace(email, {
      deviceKey,
      photo: await photo('face', 'slow-code'),
      enrol: true,
      emailCode: async () => {
        advanceClock(3 * 60_000 + 1_000); // the email was read late
        return (await latestCode(harness.endpoint, email)).code;
      },
    }).catch((caught: unknown) => caught);

    expect(error).toMatchObject({ name: 'NotAuthorizedException', message: 'Invalid session for the user, session is expired.' });
    expect(describeError(error)).toBe(`${REFUSAL_MESSAGES.SESSION_ENDED} (Invalid session for the user, session is expired.)`);
  });
});

/** localStorage as a browser has it (Web Storage: enumerable by index), for Amplify and the page alike. */
class WebStorage {
  private readonly items = new Map<string, string>();
  get length() {
    return this.items.size;
  }
  key(index: number) {
    return [...this.items.keys()][index] ?? null;
  }
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.items.set(key, value);
  }
  removeItem(key: string) {
    this.items.delete(key);
  }
  clear() {
    this.items.clear();
  }
}

describe('sign-out in a browser two tabs signed in from', () => {
  it('revokes and removes the tokens of the account the other tab signed in, which Amplify’s signOut leaves', async () => {
    const [inThisTab, inOtherTab] = ['tab-here@example.com', 'tab-there@example.com'];
    await signInWithFace(inThisTab, { deviceKey, photo: await photo('face', 'tab-here'), enrolSecret: await signUpAndConfirm(inThisTab) });
    await signOutEverywhere();
    await harness.client.signUp(inOtherTab);
    const otherSecret = await harness.client.confirmSignUp(inOtherTab, (await latestCode(harness.endpoint, inOtherTab)).code);
    const other = await harness.client.authenticate(inOtherTab, { photo: await generateFixture('face', 'tab-there'), enrolSecret: otherSecret });
    if (other.kind !== 'signed-in') throw new Error(`the other tab's account did not sign in: ${other.kind}`);
    const storage = new WebStorage();
    cognitoUserPoolsTokenProvider.setKeyValueStorage({
      setItem: async (key, value) => storage.setItem(key, value),
      getItem: async (key) => storage.getItem(key),
      removeItem: async (key) => storage.removeItem(key),
      clear: async () => storage.clear(),
    });
    try {
      // What the other tab's Amplify leaves in the storage both tabs share, its sign-in having finished first.
      const prefix = `CognitoIdentityServiceProvider.${harness.outputs.UserPoolClientId}.`;
      const otherUsername = String(decodeJwtClaims(other.tokens.AccessToken!).username);
      for (const [name, value] of Object.entries({ accessToken: other.tokens.AccessToken!, idToken: other.tokens.IdToken!, refreshToken: other.tokens.RefreshToken!, clockDrift: '0' })) {
        storage.setItem(`${prefix}${otherUsername}.${name}`, value);
      }
      await signInWithFace(inThisTab, { deviceKey, photo: await photo('face', 'tab-here', 2) });

      await signOutEverywhere(storage);

      expect([...Array(storage.length).keys()].map((index) => storage.key(index)).filter((key) => key?.startsWith(prefix))).toEqual([]);
      await expect(
        harness.cognito.send(
          new InitiateAuthCommand({ ClientId: harness.outputs.UserPoolClientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: other.tokens.RefreshToken! } }),
        ),
      ).rejects.toMatchObject({ name: 'NotAuthorizedException', message: 'Refresh Token has been revoked' });
    } finally {
      cognitoUserPoolsTokenProvider.setKeyValueStorage(new InMemoryKeyValueStorage());
    }
  });
});
