// `facekit`: sign up, enrol and sign in with a face from the terminal, against the embedded cloud
// or a real deployment (both described by cdk-outputs.json), and generate face fixtures.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';
import { Command, Option } from 'commander';
import { localCredentialsFromEnvironment } from '../sim/request-signature.js';
import { faceCommand } from './commands/face.js';
import type { AuthOutcome } from './face-auth-client.js';
import { codeFromLocalOutbox, DEFAULT_KIT_ENDPOINT, resolveTarget, START_THE_KIT, type ResolvedTarget } from './target.js';

/**
 * The Cognito client side, loaded by the commands that talk to Cognito: the SDK takes about 0.2 s
 * to load, which `--help`, `--version` and `face` need not wait for.
 */
const faceAuthClient = () => import('./face-auth-client.js');

interface TargetFlags {
  outputs?: string;
  endpoint?: string;
  aws?: boolean;
  stack: string;
}

function withTargetOptions(command: Command): Command {
  return command
    .option('--outputs <file>', 'stack outputs file (default: cdk-outputs.json here, written by `npm start` or `npm run deploy`)')
    .option('--stack <name>', 'stack name in the outputs file', 'FaceAuthStack')
    .addOption(new Option('--endpoint <url>', 'a local kit or LocalStack endpoint (default: $FACEKIT_ENDPOINT, the kit that wrote the outputs file, or the running `npm start`)'))
    .addOption(new Option('--aws', 'the stack deployed to AWS (outputs from `npm run deploy`), even when a local kit runs').conflicts('endpoint'))
    .addHelpText('after', `
Target: --endpoint, $FACEKIT_ENDPOINT or $AWS_ENDPOINT_URL when given; --aws for AWS; otherwise the outputs file
decides (the kit's \`npm start\` marks the one it writes; one from \`cdk deploy\` means AWS); with no
outputs file here, the kit \`npm start\` recorded in ${'$'}XDG_STATE_HOME/facekit, else one on the default
port ${DEFAULT_KIT_ENDPOINT} (the compose container).`);
}

async function target(options: TargetFlags): Promise<ResolvedTarget> {
  const resolved = await resolveTarget({ outputsFile: options.outputs, endpoint: options.endpoint, aws: options.aws, stackName: options.stack });
  console.log(`target: ${resolved.description}`);
  return resolved;
}

/** The largest photo the face check takes (Rekognition's limit for an image in S3). */
const MAX_PHOTO_BYTES = 5 * 1024 * 1024;

/**
 * The photo's bytes, once they look like a picture the check reads. Found out only after the upload,
 * a text file or a 6 MB photo cost a sign-in attempt (which counts towards the backoff) or, at
 * sign-up, came after the emailed code was spent (an outside audit).
 */
export async function readPhoto(path: string): Promise<Buffer> {
  let photo: Buffer;
  try {
    photo = await readFile(path);
  } catch (error) {
    throw new Error(`cannot read photo ${path}: ${(error as Error).message}`);
  }
  const jpeg = photo.subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff]));
  const png = photo.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  if (!jpeg && !png) throw new Error(`${path} is not a JPEG or PNG picture, the two kinds the face check reads: take the photo again, or save it as JPEG`);
  if (photo.length > MAX_PHOTO_BYTES) {
    throw new Error(`${path} is ${(photo.length / 1024 / 1024).toFixed(1)} MB, over the face check's 5 MB (5,242,880 bytes): send a smaller one, e.g. scaled to 2,048 px on its longest side`);
  }
  // Rekognition reads pictures of 80 px a side and more: a smaller one came back NOT_AN_IMAGE,
  // "not a JPEG or PNG picture", about a valid 64 px JPEG (an audit).
  const { width, height } = await pictureSize(photo);
  if (width !== undefined && height !== undefined && (width < MIN_PHOTO_SIDE || height < MIN_PHOTO_SIDE)) {
    throw new Error(`${path} is ${width}×${height} px, under the face check's ${MIN_PHOTO_SIDE} px a side: take a larger photo of your face`);
  }
  return photo;
}

/** The smallest side Rekognition reads. */
const MIN_PHOTO_SIDE = 80;

/** Width and height as stored (unknown when the header cannot be read: the kit then judges the file). */
async function pictureSize(photo: Buffer): Promise<{ width?: number; height?: number }> {
  try {
    const { default: sharp } = await import('sharp');
    const { width, height } = await sharp(photo).metadata();
    return { width, height };
  } catch {
    return {};
  }
}

async function prompt(question: string): Promise<string> {
  const readline = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return await readline.question(question);
  } finally {
    readline.close();
  }
}

/** Gets a code the service emailed: from the local outbox, or typed by the user when on AWS. */
function emailCodeReader(resolved: ResolvedTarget, email: string) {
  return async (since: number): Promise<string> => {
    if (resolved.endpoint) {
      console.log(`  waiting for the code emailed to ${email} (the local outbox, up to 10 s)...`);
      const code = await codeFromLocalOutbox(resolved.endpoint, email, since);
      console.log(`  code ${code} read from the local outbox`);
      return code;
    }
    return prompt(`  code sent to ${email}: `);
  };
}

/** What an enrolment refusal means for the person holding the camera. */
const REFUSAL_HELP: Record<string, string> = {
  NO_FACE:
    // Not "light will not help": a photo too dark to show a face (an audit's at 12-18 % brightness)
    // is NO_FACE too, and the same frame in better light enrols.
    "no face was found in the photo. The check looks for one person's face, turned towards the camera, lit well enough to be " +
    'seen, and filling a good part of the picture (at least about a tenth of its width): take a new photo of your face, ' +
    'closer to the camera, in good light',
  MULTIPLE_FACES: 'more than one face is in the photo; make sure you are alone in the picture',
  LOW_QUALITY: 'the face is too small, blurred, dark or turned away; come closer, face the camera, in better light',
  NOT_AN_IMAGE: 'the file is not a JPEG or PNG picture the check can read (80 to 10,000 px a side); take the photo again, or save it as JPEG',
  TOO_LARGE: 'the photo is over 5 MB (5,242,880 bytes); send a smaller one, e.g. scaled to 2,048 px on its longest side',
  NOT_UPLOADED: 'the photo did not arrive in time; check the connection to the endpoint and try again',
  NOT_CHECKED_IN_TIME: 'the photo arrived but its check did not finish in time (a busy machine, or the face model loading); try again',
};

/** The line an enrolment refusal prints: what the reason means and what to do next. */
export function refusalMessage(reason: string): string {
  const help = REFUSAL_HELP[reason] ?? `${reason}; retake the photo`;
  return `face refused (${reason}): ${help}. Then run \`facekit signin --enrol\` again.`;
}

async function report(outcome: AuthOutcome): Promise<void> {
  if (outcome.kind === 'face-not-recognised') {
    console.error('face not recognised: sign-in refused. Try another photo (3 failed attempts end the session; repeated failures slow further attempts). No face enrolled yet, or it no longer matches? Run `facekit signin --enrol`.');
    process.exitCode = 1;
    return;
  }
  if (outcome.kind === 'enrolment-rejected') {
    console.error(refusalMessage(outcome.reason));
    process.exitCode = 1;
    return;
  }
  const { decodeJwtClaims } = await faceAuthClient();
  const claims = decodeJwtClaims(outcome.tokens.IdToken!);
  console.log(`signed in (${outcome.challenges.join(' → ')}). ID token claims:`);
  console.log(JSON.stringify(claims, null, 2));
}

function isAlreadyConfirmed(error: unknown): boolean {
  const { name, message } = error as Error;
  return name === 'InvalidParameterException' && message === 'User is already confirmed.';
}

function alreadySignedUp(email: string, photo: string): string {
  return (
    `${email} is already signed up and confirmed. Sign in with \`facekit signin --email ${email} --photo ${photo}\`, ` +
    'or add --enrol to enrol this face instead (after a code sent by email)'
  );
}

/** The photo's type by its bytes, which readPhoto checked are a JPEG's or a PNG's, whatever its name says. */
function contentTypeOf(photo: Buffer): string {
  return photo[0] === 0x89 ? 'image/png' : 'image/jpeg';
}

/** The kit's version, from its package.json. */
function kitVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}

export function buildProgram(extraCommands: Command[] = []): Command {
  const program = new Command('facekit')
    .description('Passwordless face sign-in on Amazon Cognito: run it locally, test it, deploy it.')
    .version(kitVersion(), '-V, --version', 'print the kit\'s version')
    .showHelpAfterError();

  withTargetOptions(
    program
      .command('signup')
      .description('sign up with an email, confirm it with the emailed code, and enrol a face photo')
      .requiredOption('--email <email>', 'email address to sign up with')
      .requiredOption('--photo <file>', 'JPEG or PNG photo of the face to enrol'),
  ).action(async (options: TargetFlags & { email: string; photo: string }) => {
    options.email = options.email.trim();
    const photo = await readPhoto(options.photo);
    const resolved = await target(options);
    const { FaceAuthClient } = await faceAuthClient();
    const client = new FaceAuthClient(resolved);
    const readCode = emailCodeReader(resolved, options.email);
    const started = Date.now();
    // An unconfirmed sign-up of this email (anyone's) is taken over by confirming a new code; an
    // email already confirmed answers "User is already confirmed.": then `signin --enrol`.
    const { resent } = await client.signUpOrResend(options.email).catch((error: unknown) => {
      throw isAlreadyConfirmed(error) ? new Error(alreadySignedUp(options.email, options.photo)) : error;
    });
    console.log(resent ? `${options.email} was signed up but not confirmed; a new confirmation code was sent by email` : `signed up ${options.email}; confirmation code sent by email`);
    const enrolSecret = await client.confirmSignUp(options.email, await readCode(started));
    console.log('email confirmed; enrolling the face...');
    const outcome = await client.authenticate(options.email, {
      photo,
      photoContentType: contentTypeOf(photo),
      enrolSecret,
      emailCode: () => readCode(Date.now() - 5000),
      onChallenge: (kind) => console.log(`  challenge ${kind}`),
    });
    if (outcome.kind === 'signed-in') console.log('face enrolled.');
    await report(outcome);
  });

  withTargetOptions(
    program
      .command('signin')
      .description('sign in by showing a face photo; with --enrol, enrol it instead (after a code sent by email)')
      .requiredOption('--email <email>', 'email address of the account')
      .requiredOption('--photo <file>', 'JPEG or PNG photo of the face')
      .option('--enrol', 'enrol this face: the first time, or again when the enrolled face no longer matches'),
  ).action(async (options: TargetFlags & { email: string; photo: string; enrol?: boolean }) => {
    // A space pasted with the address made another username: "face not recognised" for an enrolled user (an audit).
    options.email = options.email.trim();
    const photo = await readPhoto(options.photo);
    const resolved = await target(options);
    const { FaceAuthClient } = await faceAuthClient();
    const client = new FaceAuthClient(resolved);
    const readCode = emailCodeReader(resolved, options.email);
    const outcome = await client.authenticate(options.email, {
      photo,
      photoContentType: contentTypeOf(photo),
      enrol: options.enrol === true,
      emailCode: () => readCode(Date.now() - 5000),
      onChallenge: (kind) => console.log(`  challenge ${kind}`),
    });
    await report(outcome);
  });

  withTargetOptions(
    program.command('users').description('list the user pool’s users with their enrolment state (needs admin credentials on AWS)'),
  ).action(async (options: TargetFlags) => {
    const resolved = await target(options);
    const [{ FaceAuthClient }, { ListUsersCommand }, { DynamoDBClient }, { DynamoDBDocumentClient, GetCommand }] = await Promise.all([
      faceAuthClient(),
      import('@aws-sdk/client-cognito-identity-provider'),
      import('@aws-sdk/client-dynamodb'),
      import('@aws-sdk/lib-dynamodb'),
    ]);
    const client = new FaceAuthClient(resolved);
    const dynamo = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        region: resolved.region,
        ...(resolved.endpoint ? { endpoint: resolved.endpoint, credentials: localCredentialsFromEnvironment(process.env) } : {}),
      }),
    );
    let token: string | undefined;
    const rows: Array<Record<string, string>> = [];
    do {
      const page = await client.cognito.send(new ListUsersCommand({ UserPoolId: resolved.outputs.UserPoolId, PaginationToken: token }));
      for (const user of page.Users ?? []) {
        const attribute = (name: string) => user.Attributes?.find((candidate) => candidate.Name === name)?.Value ?? '';
        const sub = attribute('sub');
        const record = (await dynamo.send(new GetCommand({ TableName: resolved.outputs.UsersTableName, Key: { pk: `USER#${sub}` } }))).Item;
        rows.push({
          email: attribute('email'),
          status: user.UserStatus ?? '',
          face: record?.faceId ? `enrolled ${String(record.enrolledAt ?? '')}` : 'not enrolled',
          lastSignIn: record?.lastSignInAt ? String(record.lastSignInAt) : '-',
          sub,
        });
      }
      token = page.PaginationToken;
    } while (token);
    if (rows.length === 0) console.log('no users yet');
    else console.table(rows);
  });

  for (const command of extraCommands) program.addCommand(command);
  return program;
}

/** What a failed call means to the user: network failures name the host and what to start. */
type NetworkFailure = { code?: string; hostname?: string; address?: string; port?: number };

/** What a failed call means to the user: network failures name the host and what to start. */
export function describeFailure(error: unknown): string {
  const named = error as Error & NetworkFailure & { cause?: NetworkFailure };
  // The SDK's HTTP handler throws the socket error itself; fetch wraps it in `cause`.
  const failure: NetworkFailure = named.code ? named : (named.cause ?? {});
  if (failure.code === 'ENOTFOUND' || failure.code === 'EAI_AGAIN') {
    return `cannot reach ${failure.hostname ?? 'the service'} (no network, or no such host). For the local kit: ${START_THE_KIT}`;
  }
  if (failure.code === 'ECONNREFUSED' || failure.code === 'ECONNRESET') {
    const where = failure.address ? ` at ${failure.address}${failure.port ? `:${failure.port}` : ''}` : '';
    return `the kit stopped answering${where}: ${START_THE_KIT}`;
  }
  // What to do next, for the refusals a user meets in the command's own flow.
  if (named.name === 'UserNotConfirmedException') {
    return `${named.name}: ${named.message} Finish the sign-up: run \`facekit signup\` again with this email and a photo (a new code is sent, then the face is enrolled).`;
  }
  if (named.name === 'LimitExceededException') {
    return `${named.name}: ${named.message} Too many codes or attempts for this email: the limit is counted over the last hour; try again later.`;
  }
  // An AWS error's name is its code, worth showing; these names say nothing to the user.
  return `${named.name && !['Error', 'TargetError', 'InvalidArgumentError'].includes(named.name) ? `${named.name}: ` : ''}${named.message}`;
}

export async function main(argv = process.argv): Promise<void> {
  // Output piped into `head` closes early: that ends the command, quietly, as other commands do.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  try {
    await buildProgram([faceCommand()]).parseAsync(argv);
  } catch (error) {
    console.error(`facekit: ${describeFailure(error)}`);
    process.exitCode = 1;
  }
}
