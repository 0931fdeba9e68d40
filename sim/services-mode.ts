// Services mode: the sim next to LocalStack, serving only what LocalStack lacks (Rekognition) or
// keeps for paid tiers (Cognito). Configured by environment (docs/containers.md, docker-compose.yml):
//   FACEKIT_MODE=services
//   FACEKIT_SERVICES=rekognition,cognito-idp       which services to serve
//   FACEKIT_S3_ENDPOINT=http://localstack:4566     where Rekognition reads S3Object images
//   FACEKIT_LAMBDA_ENDPOINT=http://localstack:4566 where Cognito invokes its triggers (Invoke API)
// The sim plans from a template synthesized with `--context target=localstack`: the one cdklocal
// deploys, whose functions have the fixed names (`<stackName>-<Handler>`) Cognito invokes.
import { SERVICE_NAMES, type ServiceName } from './embedded-cloud.js';

/** The cloud assembly of the LocalStack template, next to `cdk.out` (the AWS/embedded one). */
export const LOCALSTACK_ASSEMBLY_DIR = 'cdk.out.localstack';
/** The CDK context that assembly is synthesized with; `cdklocal deploy` passes the same. */
export const LOCALSTACK_SYNTH_CONTEXT: Readonly<Record<string, string>> = { target: 'localstack' };

export type SimMode = { kind: 'embedded' } | ServicesModeConfig;

export interface ServicesModeConfig {
  kind: 'services';
  services: ServiceName[];
  s3Endpoint?: string;
  lambdaEndpoint?: string;
}

export class InvalidModeConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidModeConfigurationError';
  }
}

/**
 * Reads the mode from the environment and checks it is complete: a served Rekognition needs an
 * S3 endpoint unless S3 is served too, a served Cognito a Lambda endpoint unless Lambda is.
 */
export function simModeFromEnvironment(env: Record<string, string | undefined>): SimMode {
  const mode = env.FACEKIT_MODE?.trim() || 'embedded';
  if (mode === 'embedded') return { kind: 'embedded' };
  if (mode !== 'services') throw new InvalidModeConfigurationError(`FACEKIT_MODE must be "embedded" or "services", got "${mode}"`);

  const listed = (env.FACEKIT_SERVICES ?? '').split(',').map((name) => name.trim()).filter((name) => name !== '');
  if (listed.length === 0) {
    throw new InvalidModeConfigurationError(`FACEKIT_SERVICES must list the services to serve, e.g. rekognition,cognito-idp (known: ${SERVICE_NAMES.join(', ')})`);
  }
  const unknown = listed.filter((name) => !(SERVICE_NAMES as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new InvalidModeConfigurationError(`FACEKIT_SERVICES: unknown service ${unknown.join(', ')} (known: ${SERVICE_NAMES.join(', ')})`);
  }
  const services = SERVICE_NAMES.filter((name) => listed.includes(name));
  const s3Endpoint = endpointSetting(env, 'FACEKIT_S3_ENDPOINT');
  const lambdaEndpoint = endpointSetting(env, 'FACEKIT_LAMBDA_ENDPOINT');
  if (services.includes('rekognition') && !services.includes('s3') && !s3Endpoint) {
    throw new InvalidModeConfigurationError('FACEKIT_S3_ENDPOINT is required to serve rekognition without s3 (Rekognition reads S3Object images there)');
  }
  if ((services.includes('cognito-idp') || services.includes('s3')) && !services.includes('lambda') && !lambdaEndpoint) {
    throw new InvalidModeConfigurationError('FACEKIT_LAMBDA_ENDPOINT is required to serve cognito-idp or s3 without lambda (triggers are invoked there)');
  }
  return { kind: 'services', services, s3Endpoint, lambdaEndpoint };
}

function endpointSetting(env: Record<string, string | undefined>, name: string): string | undefined {
  const value = env[name]?.trim();
  if (!value) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidModeConfigurationError(`${name} must be a URL like http://localstack:4566, got "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidModeConfigurationError(`${name} must be an http(s) URL, got "${value}"`);
  }
  return value.replace(/\/+$/, '');
}
