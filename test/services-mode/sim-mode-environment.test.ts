import { describe, expect, it } from 'vitest';
import { InvalidModeConfigurationError, simModeFromEnvironment } from '../../sim/services-mode.js';

describe('simModeFromEnvironment', () => {
  it('is the embedded cloud unless FACEKIT_MODE says services', () => {
    expect(simModeFromEnvironment({})).toEqual({ kind: 'embedded' });
    expect(simModeFromEnvironment({ FACEKIT_MODE: 'embedded', FACEKIT_SERVICES: 'rekognition' })).toEqual({ kind: 'embedded' });
  });

  it('reads the docker-compose contract', () => {
    expect(
      simModeFromEnvironment({
        FACEKIT_MODE: 'services',
        FACEKIT_SERVICES: 'rekognition,cognito-idp',
        FACEKIT_S3_ENDPOINT: 'http://localstack:4566',
        FACEKIT_LAMBDA_ENDPOINT: 'http://localstack:4566/',
      }),
    ).toEqual({
      kind: 'services',
      services: ['cognito-idp', 'rekognition'],
      s3Endpoint: 'http://localstack:4566',
      lambdaEndpoint: 'http://localstack:4566',
    });
  });

  it('needs no S3 endpoint to serve Cognito alone', () => {
    expect(simModeFromEnvironment({ FACEKIT_MODE: 'services', FACEKIT_SERVICES: ' cognito-idp ', FACEKIT_LAMBDA_ENDPOINT: 'http://127.0.0.1:4566' })).toMatchObject({
      services: ['cognito-idp'],
      s3Endpoint: undefined,
    });
  });

  it.each([
    [{ FACEKIT_MODE: 'localstack' }, /FACEKIT_MODE must be "embedded" or "services", got "localstack"/],
    [{ FACEKIT_MODE: 'services' }, /FACEKIT_SERVICES must list the services/],
    [{ FACEKIT_MODE: 'services', FACEKIT_SERVICES: 'rekognition,cognito' }, /unknown service cognito \(known: cognito-idp, /],
    [{ FACEKIT_MODE: 'services', FACEKIT_SERVICES: 'rekognition' }, /FACEKIT_S3_ENDPOINT is required to serve rekognition/],
    [
      { FACEKIT_MODE: 'services', FACEKIT_SERVICES: 'rekognition,cognito-idp', FACEKIT_S3_ENDPOINT: 'http://localstack:4566' },
      /FACEKIT_LAMBDA_ENDPOINT is required to serve cognito-idp/,
    ],
    [{ FACEKIT_MODE: 'services', FACEKIT_SERVICES: 'rekognition', FACEKIT_S3_ENDPOINT: 'localstack:4566' }, /FACEKIT_S3_ENDPOINT must be/],
  ])('rejects %j', (env, message) => {
    expect(() => simModeFromEnvironment(env)).toThrow(InvalidModeConfigurationError);
    expect(() => simModeFromEnvironment(env)).toThrow(message);
  });
});
