// What `facekit` tells a user whose enrolment or sign-up did not go through: each case names
// the next step, instead of an exception's name or a bare reason code.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from 'commander';
import sharp from 'sharp';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildProgram, describeFailure, readPhoto, refusalMessage } from '../../cli/facekit.js';

describe('refusalMessage', () => {
  it.each(['NO_FACE', 'MULTIPLE_FACES', 'LOW_QUALITY', 'NOT_AN_IMAGE', 'TOO_LARGE', 'NOT_UPLOADED', 'NOT_CHECKED_IN_TIME'])(
    'explains %s in words and points to enrolling again',
    (reason) => {
      const message = refusalMessage(reason);

      expect(message).toMatch(new RegExp(`^face refused \\(${reason}\\): [a-z]`));
      expect(message).not.toContain(`${reason};`);
      expect(message).toMatch(/Then run `facekit signin --enrol` again\.$/);
    },
  );

  it('says which pictures the check reads for NOT_AN_IMAGE, and the size limit for TOO_LARGE', () => {
    expect(refusalMessage('NOT_AN_IMAGE')).toContain('JPEG or PNG');
    expect(refusalMessage('TOO_LARGE')).toContain('5 MB');
  });
});

/** A stand-in kit whose Cognito answers a sign-up of an email that is already confirmed. */
async function kitWhereTheEmailIsConfirmed(): Promise<{ endpoint: string; server: Server }> {
  const server = createServer((request, response) => {
    if (request.url === '/_sim/outputs') {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ FaceAuthStack: { UserPoolId: 'us-east-1_test', UserPoolClientId: 'client', BucketName: 'b', UsersTableName: 't', CollectionId: 'c', Region: 'us-east-1' } }));
      return;
    }
    const target = String(request.headers['x-amz-target'] ?? '');
    const [type, message] = target.endsWith('.SignUp')
      ? ['UsernameExistsException', 'An account with the given email already exists.']
      : target.endsWith('.ResendConfirmationCode')
        ? ['InvalidParameterException', 'User is already confirmed.']
        : ['UnknownOperationException', `Unknown operation ${target}`];
    request.resume();
    response.statusCode = 400;
    response.setHeader('content-type', 'application/x-amz-json-1.1');
    response.setHeader('x-amzn-errortype', type);
    response.end(JSON.stringify({ __type: type, message }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  vi.restoreAllMocks();
});

describe('facekit signup', () => {
  it('of an email already signed up and confirmed says to sign in, or enrol again, instead of "User is already confirmed."', async () => {
    const { endpoint, server } = await kitWhereTheEmailIsConfirmed();
    const folder = mkdtempSync(join(tmpdir(), 'facekit-signup-'));
    cleanups.push(() => server.close(), () => rmSync(folder, { recursive: true, force: true }));
    const photo = join(folder, 'alice.jpg');
    writeFileSync(photo, Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]));
    vi.spyOn(console, 'log').mockImplementation(() => {});

    const signup = buildProgram().parseAsync(['signup', '--email', 'alice@example.com', '--photo', photo, '--endpoint', endpoint], { from: 'user' });

    await expect(signup).rejects.toThrow(
      `alice@example.com is already signed up and confirmed. Sign in with \`facekit signin --email alice@example.com --photo ${photo}\`, or add --enrol`,
    );
  });
});

describe('readPhoto', () => {
  it('refuses, before anything is sent, a file that is no JPEG or PNG and a photo over the check\'s 5 MB, and reads a JPEG and a PNG', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'facekit-photo-'));
    cleanups.push(() => rmSync(folder, { recursive: true, force: true }));
    const file = (name: string, bytes: Buffer) => {
      writeFileSync(join(folder, name), bytes);
      return join(folder, name);
    };
    const jpegStart = Buffer.from([0xff, 0xd8, 0xff, 0xe0]);
    const pngStart = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

    await expect(readPhoto(file('notes.jpg', Buffer.from('a note')))).rejects.toThrow(/notes\.jpg is not a JPEG or PNG picture, the two kinds the face check reads/);
    await expect(readPhoto(file('big.jpg', Buffer.concat([jpegStart, Buffer.alloc(5 * 1024 * 1024 - 3)])))).rejects.toThrow(/big\.jpg is 5\.0 MB, over the face check's 5 MB \(5,242,880 bytes\)/);
    expect(await readPhoto(file('limit.jpg', Buffer.concat([jpegStart, Buffer.alloc(5 * 1024 * 1024 - 4)])))).toHaveLength(5 * 1024 * 1024);
    expect(await readPhoto(file('face.png', pngStart))).toEqual(pngStart);
  });

  it('refuses a picture under 80 px a side, naming its size, and reads one at 80 px', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'facekit-photo-'));
    cleanups.push(() => rmSync(folder, { recursive: true, force: true }));
    const picture = (width: number, height: number) => sharp({ create: { width, height, channels: 3, background: '#808080' } }).jpeg().toBuffer();
    const small = join(folder, 'small.jpg');
    writeFileSync(small, await picture(64, 64));
    const narrow = join(folder, 'narrow.jpg');
    writeFileSync(narrow, await picture(79, 400));
    const enough = join(folder, 'enough.jpg');
    writeFileSync(enough, await picture(80, 80));

    await expect(readPhoto(small)).rejects.toThrow(/small\.jpg is 64×64 px, under the face check's 80 px a side/);
    await expect(readPhoto(narrow)).rejects.toThrow(/narrow\.jpg is 79×400 px/);
    expect(await readPhoto(enough)).toHaveLength(readFileSync(enough).length);
  });
});

describe('describeFailure', () => {
  it("gives an option's refusal without commander's class name, and an AWS error with its code", () => {
    expect(describeFailure(new InvalidArgumentError('--kind corrupt is broken JPEG bytes: name the file .jpg, not .png'))).toBe(
      '--kind corrupt is broken JPEG bytes: name the file .jpg, not .png',
    );
    expect(describeFailure(Object.assign(new Error('User is disabled.'), { name: 'NotAuthorizedException' }))).toBe('NotAuthorizedException: User is disabled.');
  });

  it('says what to do next for an unconfirmed account and for too many codes', () => {
    expect(describeFailure(Object.assign(new Error('User is not confirmed.'), { name: 'UserNotConfirmedException' }))).toBe(
      'UserNotConfirmedException: User is not confirmed. Finish the sign-up: run `facekit signup` again with this email and a photo (a new code is sent, then the face is enrolled).',
    );
    expect(describeFailure(Object.assign(new Error('Attempt limit exceeded, please try after some time.'), { name: 'LimitExceededException' }))).toMatch(
      /^LimitExceededException: Attempt limit exceeded, please try after some time\. Too many codes or attempts for this email: the limit is counted over the last hour; try again later\.$/,
    );
  });
});

describe('facekit --version', () => {
  it("prints the version from the kit's package.json", async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    let printed = '';
    const program = buildProgram()
      .exitOverride()
      .configureOutput({ writeOut: (text) => (printed += text) });

    await expect(program.parseAsync(['--version'], { from: 'user' })).rejects.toMatchObject({ code: 'commander.version' });
    expect(printed).toBe(`${version}\n`);
  });
});
