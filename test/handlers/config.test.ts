import { describe, expect, it } from 'vitest';
import { InvalidConfigurationError, MissingConfigurationError, readConfig } from '../../handlers/config.js';

describe('handlers configuration', () => {
  it('applies the documented defaults', () => {
    const config = readConfig({ USERS_TABLE: 'users' });

    expect(config).toMatchObject({
      usersTable: 'users',
      faceMatchThreshold: 95,
      uploadUrlTtlSeconds: 170,
      enrolWaitMs: 3500,
      emailSender: undefined,
      appName: 'Face sign-in',
      s3ForcePathStyle: false,
    });
  });

  it('reads every variable', () => {
    const config = readConfig({
      USERS_TABLE: 'users',
      UPLOAD_BUCKET: 'photos',
      FACE_COLLECTION_ID: 'faces',
      USER_POOL_ID: 'us-east-1_pool',
      FACE_MATCH_THRESHOLD: '98.5',
      UPLOAD_URL_TTL_SECONDS: '120',
      ENROL_WAIT_MS: '2000',
      EMAIL_SENDER: 'no-reply@example.com',
      APP_NAME: 'Acme',
      S3_FORCE_PATH_STYLE: 'true',
    });

    expect({ ...config, usersTable: config.usersTable, uploadBucket: config.uploadBucket, faceCollectionId: config.faceCollectionId }).toEqual({
      usersTable: 'users',
      uploadBucket: 'photos',
      faceCollectionId: 'faces',
      userPoolId: 'us-east-1_pool',
      faceMatchThreshold: 98.5,
      uploadUrlTtlSeconds: 120,
      enrolWaitMs: 2000,
      emailSender: 'no-reply@example.com',
      appName: 'Acme',
      s3ForcePathStyle: true,
    });
  });

  it.each([
    ['usersTable', 'USERS_TABLE'],
    ['uploadBucket', 'UPLOAD_BUCKET'],
    ['faceCollectionId', 'FACE_COLLECTION_ID'],
    ['userPoolId', 'USER_POOL_ID'],
  ] as const)('says "missing configuration" when %s is used but %s is not set', (setting, variable) => {
    const config = readConfig({ [variable]: '  ' });

    expect(() => config[setting]).toThrow(`missing configuration: ${variable}`);
  });

  it('uses the defaults for numbers set to blanks', () => {
    const config = readConfig({ FACE_MATCH_THRESHOLD: '  ', UPLOAD_URL_TTL_SECONDS: ' ', ENROL_WAIT_MS: '\t' });

    expect(config).toMatchObject({ faceMatchThreshold: 95, uploadUrlTtlSeconds: 170, enrolWaitMs: 3500 });
  });

  it.each([
    ['FACE_MATCH_THRESHOLD', '0', 'faceMatchThreshold', 0],
    ['FACE_MATCH_THRESHOLD', '100', 'faceMatchThreshold', 100],
    ['UPLOAD_URL_TTL_SECONDS', '1', 'uploadUrlTtlSeconds', 1],
    ['UPLOAD_URL_TTL_SECONDS', '604800', 'uploadUrlTtlSeconds', 604_800],
    ['ENROL_WAIT_MS', '0', 'enrolWaitMs', 0],
    ['ENROL_WAIT_MS', '4500', 'enrolWaitMs', 4500],
  ] as const)('accepts %s=%s, a bound of its range', (variable, value, setting, expected) => {
    expect(readConfig({ [variable]: value })[setting]).toBe(expected);
  });

  it.each([
    ['true', true],
    ['TRUE', true],
    [' 1 ', true],
    ['false', false],
    ['False', false],
    ['0', false],
  ])('reads S3_FORCE_PATH_STYLE=%s as %s', (value, expected) => {
    expect(readConfig({ S3_FORCE_PATH_STYLE: value }).s3ForcePathStyle).toBe(expected);
  });

  it('names the error and the expected range, so the failed cold start says what to fix', () => {
    let number: unknown;
    let flag: unknown;
    let missing: unknown;
    try {
      readConfig({ ENROL_WAIT_MS: '-1' });
    } catch (error) {
      number = error;
    }
    try {
      readConfig({ S3_FORCE_PATH_STYLE: 'yes' });
    } catch (error) {
      flag = error;
    }
    try {
      void readConfig({}).usersTable;
    } catch (error) {
      missing = error;
    }

    expect(number).toBeInstanceOf(InvalidConfigurationError);
    expect(number).toMatchObject({ name: 'InvalidConfigurationError', message: 'invalid configuration: ENROL_WAIT_MS must be a number from 0 to 4500, got "-1"' });
    expect(flag).toMatchObject({ name: 'InvalidConfigurationError', message: 'invalid configuration: S3_FORCE_PATH_STYLE must be "true" or "false", got "yes"' });
    expect(missing).toBeInstanceOf(MissingConfigurationError);
    expect(missing).toMatchObject({ name: 'MissingConfigurationError', message: 'missing configuration: USERS_TABLE' });
  });

  it.each([
    ['FACE_MATCH_THRESHOLD', '101'],
    ['FACE_MATCH_THRESHOLD', '-0.1'],
    ['UPLOAD_URL_TTL_SECONDS', '604801'],
    ['FACE_MATCH_THRESHOLD', 'high'],
    ['UPLOAD_URL_TTL_SECONDS', '0'],
    ['ENROL_WAIT_MS', '6000'],
    ['S3_FORCE_PATH_STYLE', 'yes'],
  ])('refuses %s=%s when the configuration is read', (variable, value) => {
    expect(() => readConfig({ [variable]: value })).toThrow(`invalid configuration: ${variable}`);
  });
});
