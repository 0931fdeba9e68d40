// The one place that reads the handlers' environment (names and defaults in ARCHITECTURE.md).
// It is read and checked once, when the module loads. A setting that only some functions need
// (the bucket, the collection) is checked when first used, so each function can be deployed
// with just the variables it needs and still fail with "missing configuration: X".

export class MissingConfigurationError extends Error {
  constructor(readonly variable: string) {
    super(`missing configuration: ${variable}`);
    this.name = 'MissingConfigurationError';
  }
}

export class InvalidConfigurationError extends Error {
  constructor(variable: string, expectation: string, value: string) {
    super(`invalid configuration: ${variable} must be ${expectation}, got "${value}"`);
    this.name = 'InvalidConfigurationError';
  }
}

export interface Config {
  /** DynamoDB table holding USER#, UPLOAD# and FAILURES# items. */
  readonly usersTable: string;
  /** S3 bucket for enrolment and sign-in photos. */
  readonly uploadBucket: string;
  /** Rekognition collection holding one face per enrolled user. */
  readonly faceCollectionId: string;
  /** The user pool, for a function that is not one of its triggers (whose events name it). */
  readonly userPoolId: string;
  /** Minimum similarity (0-100) for a sign-in photo to count as the user's face. */
  readonly faceMatchThreshold: number;
  /** Lifetime of the photo upload forms (presigned POSTs), in seconds. */
  readonly uploadUrlTtlSeconds: number;
  /** How long Verify waits for the indexer's result, in milliseconds. */
  readonly enrolWaitMs: number;
  /** `From` address of email-code challenges; undefined when email codes are not configured. */
  readonly emailSender: string | undefined;
  /** Product name used in messages. */
  readonly appName: string;
  /**
   * Path-style S3 URLs (`http://host/bucket/key`). A plain setting, not endpoint code: hosts that
   * serve every bucket on one name (local emulators) need it; AWS does not.
   */
  readonly s3ForcePathStyle: boolean;
}

type Environment = Record<string, string | undefined>;

export function readConfig(env: Environment): Config {
  const present = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  const required = (name: string) => () => {
    const value = present(name);
    if (value === undefined) throw new MissingConfigurationError(name);
    return value;
  };
  const usersTable = required('USERS_TABLE');
  const uploadBucket = required('UPLOAD_BUCKET');
  const faceCollectionId = required('FACE_COLLECTION_ID');
  const userPoolId = required('USER_POOL_ID');
  const values = {
    faceMatchThreshold: numberSetting(env, 'FACE_MATCH_THRESHOLD', 95, 0, 100),
    uploadUrlTtlSeconds: numberSetting(env, 'UPLOAD_URL_TTL_SECONDS', 170, 1, 604_800),
    enrolWaitMs: numberSetting(env, 'ENROL_WAIT_MS', 3500, 0, 4500),
    emailSender: present('EMAIL_SENDER'),
    appName: present('APP_NAME') ?? 'Face sign-in',
    s3ForcePathStyle: booleanSetting(env, 'S3_FORCE_PATH_STYLE'),
  };
  return Object.freeze({
    ...values,
    get usersTable() {
      return usersTable();
    },
    get uploadBucket() {
      return uploadBucket();
    },
    get faceCollectionId() {
      return faceCollectionId();
    },
    get userPoolId() {
      return userPoolId();
    },
  });
}

function numberSetting(env: Environment, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new InvalidConfigurationError(name, `a number from ${min} to ${max}`, raw);
  }
  return value;
}

function booleanSetting(env: Environment, name: string): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return false;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new InvalidConfigurationError(name, '"true" or "false"', raw);
}

export const config: Config = readConfig(process.env);
