import { RemovalPolicy, type StackProps } from 'aws-cdk-lib';

/** Everything that varies between deployments of the kit, decided once from CDK context. */
export interface FaceAuthStackProps extends StackProps {
  /** Browser origins allowed to POST photos (upload forms) to the upload bucket (S3 CORS). */
  readonly webOrigins: string[];
  /** Minimum Rekognition similarity (0-100) to accept a sign-in. */
  readonly faceMatchThreshold: number;
  /** When set, Cognito and the email-code challenge send through SES; otherwise Cognito's default email. */
  readonly emailSender?: EmailSender;
  /** Product name used in messages (APP_NAME). */
  readonly appName: string;
  /** What `cdk destroy` does with the user pool, users table, face collection and upload bucket. */
  readonly dataRemovalPolicy: RemovalPolicy;
  /** Where the stack is deployed: AWS itself, or LocalStack with the sim standing in for Rekognition. */
  readonly target: DeploymentTarget;
}

export type DeploymentTarget = AwsTarget | LocalStackTarget;

export interface AwsTarget {
  readonly kind: 'aws';
}

/**
 * LocalStack has no Rekognition: the stack creates no collection (the services-mode sim creates
 * it from the `CollectionId` output), and the handlers call the sim's Rekognition instead.
 */
export interface LocalStackTarget {
  readonly kind: 'localstack';
  /** The sim's endpoint as LocalStack's Lambda containers reach it (`AWS_ENDPOINT_URL_REKOGNITION`). */
  readonly simEndpoint: string;
}

export interface EmailSender {
  /** The `From` address, e.g. `no-reply@example.com`. */
  readonly address: string;
  /** The verified SES identity the address belongs to: the address itself or its domain. */
  readonly sesIdentity: string;
}

/** Read-only view of the context, so tests can pass a plain object instead of an App. */
export interface ContextSource {
  tryGetContext(key: string): unknown;
}

export const DEFAULT_STACK_NAME = 'FaceAuthStack';
/**
 * The kit's own page (`npm start` on 4566) and the dev servers people run next to it: Vite
 * (`npm run web`, 5173) and the usual 3000, by either loopback name (browsers treat
 * `localhost` and `127.0.0.1` as different origins).
 */
export const DEFAULT_WEB_ORIGINS = [
  'http://localhost:4566',
  'http://127.0.0.1:4566',
  'http://localhost:5173',
  'http://127.0.0.1:5173',
  'http://localhost:3000',
  'http://127.0.0.1:3000',
];
export const DEFAULT_FACE_MATCH_THRESHOLD = 95;
export const DEFAULT_APP_NAME = 'Face sign-in';
/** The services-mode sim as compose names it on LocalStack's Lambda network (docker-compose.yml). */
export const DEFAULT_SIM_ENDPOINT = 'http://sim-rekognition:4566';
/** Lambda's limit on function names; with target=localstack they are `<stackName>-<Handler>`. */
export const MAX_FUNCTION_NAME_LENGTH = 64;
/** The longest handler construct id (`VerifyAuthChallengeResponse`), which bounds the stack name. */
const LONGEST_HANDLER_ID = 'VerifyAuthChallengeResponse';

/** Thrown for a context value that cannot be used; the message names the key and what is expected. */
export class InvalidContextError extends Error {
  constructor(key: string, value: unknown, expected: string) {
    super(`Invalid context ${key}=${JSON.stringify(value)}: expected ${expected}`);
    this.name = 'InvalidContextError';
  }
}

/**
 * The single place where CDK context (`-c key=value` or cdk.json) becomes stack props, the
 * deployment target (`target=aws|localstack`) included, so the stack itself never reads context.
 */
export function stackPropsFromContext(context: ContextSource): FaceAuthStackProps {
  const emailSenderAddress = optionalString(context, 'emailSender');
  const name = stackName(context);
  const target = deploymentTarget(context);
  if (target.kind === 'localstack' && `${name}-${LONGEST_HANDLER_ID}`.length > MAX_FUNCTION_NAME_LENGTH) {
    throw new InvalidContextError(
      'stackName',
      name,
      `at most ${MAX_FUNCTION_NAME_LENGTH - LONGEST_HANDLER_ID.length - 1} characters with target=localstack (function names are <stackName>-<Handler>)`,
    );
  }
  return {
    stackName: name,
    target,
    description: 'cognito-face-kit: passwordless face sign-in on Amazon Cognito',
    webOrigins: webOrigins(context),
    faceMatchThreshold: faceMatchThreshold(context),
    emailSender: emailSenderAddress === undefined ? undefined : emailSender(context, emailSenderAddress),
    appName: optionalString(context, 'appName') ?? DEFAULT_APP_NAME,
    dataRemovalPolicy: dataRemovalPolicy(context),
  };
}

function deploymentTarget(context: ContextSource): DeploymentTarget {
  const kind = optionalString(context, 'target') ?? 'aws';
  const simEndpointValue = optionalString(context, 'simEndpoint');
  switch (kind) {
    case 'aws':
      if (simEndpointValue !== undefined) {
        throw new InvalidContextError('simEndpoint', simEndpointValue, 'no value unless target=localstack (AWS has Rekognition)');
      }
      return { kind: 'aws' };
    case 'localstack': {
      const simEndpoint = simEndpointValue ?? DEFAULT_SIM_ENDPOINT;
      if (!isOrigin(simEndpoint)) {
        throw new InvalidContextError('simEndpoint', simEndpoint, 'an endpoint like http://sim-rekognition:4566 (scheme, host, optional port; no path)');
      }
      return { kind: 'localstack', simEndpoint };
    }
    default:
      throw new InvalidContextError('target', kind, '"aws" or "localstack"');
  }
}

function optionalString(context: ContextSource, key: string): string | undefined {
  const value = context.tryGetContext(key);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new InvalidContextError(key, value, 'a string');
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

function stackName(context: ContextSource): string {
  const name = optionalString(context, 'stackName') ?? DEFAULT_STACK_NAME;
  // CloudFormation's own rule; checking here gives the error before any synthesis work.
  if (!/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(name)) {
    throw new InvalidContextError('stackName', name, 'a letter followed by up to 127 letters, digits or hyphens');
  }
  return name;
}

function webOrigins(context: ContextSource): string[] {
  const raw = context.tryGetContext('webOrigins');
  if (raw === undefined || raw === null) return [...DEFAULT_WEB_ORIGINS];
  const list = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : undefined;
  if (!list || list.some((item) => typeof item !== 'string')) {
    throw new InvalidContextError('webOrigins', raw, 'a comma-separated list of origins');
  }
  const origins = (list as string[]).map((origin) => origin.trim()).filter((origin) => origin !== '');
  if (origins.length === 0) throw new InvalidContextError('webOrigins', raw, 'at least one origin');
  for (const origin of origins) {
    if (!isOrigin(origin)) {
      throw new InvalidContextError('webOrigins', origin, 'origins like https://app.example.com (scheme, host, optional port; no path)');
    }
  }
  return origins;
}

function isOrigin(candidate: string): boolean {
  try {
    const url = new URL(candidate);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === candidate;
  } catch {
    return false;
  }
}

function faceMatchThreshold(context: ContextSource): number {
  const raw = context.tryGetContext('faceMatchThreshold');
  if (raw === undefined || raw === null || raw === '') return DEFAULT_FACE_MATCH_THRESHOLD;
  const value = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  if (!Number.isFinite(value) || value < 0 || value > 100) {
    throw new InvalidContextError('faceMatchThreshold', raw, 'a number from 0 to 100');
  }
  return value;
}

function emailSender(context: ContextSource, address: string): EmailSender {
  if (!/^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+$/.test(address)) {
    throw new InvalidContextError('emailSender', address, 'a plain email address such as no-reply@example.com');
  }
  const domain = address.slice(address.lastIndexOf('@') + 1);
  const sesIdentity = optionalString(context, 'emailSenderIdentity') ?? address;
  if (sesIdentity !== address && sesIdentity !== domain) {
    throw new InvalidContextError('emailSenderIdentity', sesIdentity, `the sender address or its domain (${address} or ${domain})`);
  }
  return { address, sesIdentity };
}

function dataRemovalPolicy(context: ContextSource): RemovalPolicy {
  const value = optionalString(context, 'removalPolicy') ?? 'retain';
  switch (value) {
    case 'retain':
      return RemovalPolicy.RETAIN;
    case 'destroy':
      return RemovalPolicy.DESTROY;
    default:
      throw new InvalidContextError('removalPolicy', value, '"retain" or "destroy"');
  }
}
