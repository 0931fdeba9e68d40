import { describe, expect, it } from 'vitest';
import { readConfig } from '../../handlers/config.js';

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
  ] as const)('says "missing configuration" when %s is used but %s is not set', (setting, variable) => {
    const config = readConfig({ [variable]: '  ' });

    expect(() => config[setting]).toThrow(`missing configuration: ${variable}`);
  });

  it.each([
    ['FACE_MATCH_THRESHOLD', '101'],
    ['FACE_MATCH_THRESHOLD', 'high'],
    ['UPLOAD_URL_TTL_SECONDS', '0'],
    ['ENROL_WAIT_MS', '6000'],
    ['S3_FORCE_PATH_STYLE', 'yes'],
  ])('refuses %s=%s when the configuration is read', (variable, value) => {
    expect(() => readConfig({ [variable]: value })).toThrow(`invalid configuration: ${variable}`);
  });
});
