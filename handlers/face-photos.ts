// Photos in the upload bucket. Only CreateAuthChallenge chooses keys (`enrol/<sub>/<hex>` and
// `signin/<hex>`); the client gets an upload form (a presigned POST) for exactly one key and never
// names an object itself. The form's policy caps the photo's size, which a presigned PUT cannot:
// anyone who starts a sign-in could otherwise park up to 5 GB under its key. Every photo is
// deleted once it has been looked at. A sign-in key names nobody: the FACE_MATCH challenge goes
// to any email, and a sub in its key would tell an enrolled user (whose USERNAME is that sub)
// from an unknown email.
import { randomBytes } from 'node:crypto';
import { DeleteObjectCommand, HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { s3Client } from './aws-clients/s3.js';
import { config } from './config.js';

/** Rekognition's limit for image bytes; S3 objects may be larger, but we refuse them. */
export const MAX_PHOTO_BYTES = 5_242_880;
const ACCEPTED_CONTENT_TYPES = new Set(['image/jpeg', 'image/png']);
/**
 * Types that say nothing about the bytes, so the photo goes to Rekognition, which checks them
 * anyway: none sent, S3's and the SDKs' generic binary types, and the form type that
 * `curl --data-binary` and Python's urllib send with any body when not told otherwise.
 */
const UNDECLARED_CONTENT_TYPES = new Set(['binary/octet-stream', 'application/octet-stream', 'application/x-www-form-urlencoded']);

const SUB_PATTERN = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const ENROL_KEY = new RegExp(`^enrol/(${SUB_PATTERN})/[0-9a-f]{32}$`);
const SIGN_IN_KEY = /^signin\/[0-9a-f]{32}$/;

/** `enrol/<sub>/<32 hex>`: the face-indexer reads the owner from the key. */
export function newEnrolKey(sub: string): string {
  return `enrol/${sub}/${randomBytes(16).toString('hex')}`;
}

/** `signin/<32 hex>`: random, names nobody. */
export function newSignInKey(): string {
  return `signin/${randomBytes(16).toString('hex')}`;
}

export function isSignInKey(key: string): boolean {
  return SIGN_IN_KEY.test(key);
}

/** The sub an enrolment key belongs to, or undefined for a key CreateAuthChallenge cannot have made. */
export function subOfEnrolKey(key: string): string | undefined {
  return ENROL_KEY.exec(key)?.[1];
}

export interface PhotoUploadForm {
  /** Where the form is posted: the bucket's URL. */
  url: string;
  /** The form's fields, posted as they are before the photo (the `file` field, which comes last). */
  fields: Record<string, string>;
  /** ISO 8601 */
  expiresAt: string;
}

/**
 * An upload form (presigned POST) for one key. Its policy allows that key, a photo of 1 byte to
 * MAX_PHOTO_BYTES, and any Content-Type field (JPEG and PNG both upload; Verify checks the type).
 */
export async function presignUploadForm(key: string, now: number): Promise<PhotoUploadForm> {
  const { url, fields } = await createPresignedPost(s3Client, {
    Bucket: config.uploadBucket,
    Key: key,
    Conditions: [
      ['content-length-range', 1, MAX_PHOTO_BYTES],
      ['starts-with', '$Content-Type', ''],
    ],
    Expires: config.uploadUrlTtlSeconds,
  });
  return { url, fields, expiresAt: new Date(now + config.uploadUrlTtlSeconds * 1000).toISOString() };
}

/**
 * The public parameters every photo challenge shows: where to upload (`uploadFormUrl`, and
 * `uploadFormFields` as JSON, since challenge parameters are strings), until when, how much.
 */
export async function photoUploadParameters(challenge: 'ENROL_FACE' | 'FACE_MATCH', key: string, now: number): Promise<Record<string, string>> {
  const { url, fields, expiresAt } = await presignUploadForm(key, now);
  return { challenge, uploadFormUrl: url, uploadFormFields: JSON.stringify(fields), expiresAt, maxBytes: String(MAX_PHOTO_BYTES) };
}

export interface PhotoFacts {
  size: number;
  contentType: string | undefined;
}

/** Size and type of an uploaded photo, or undefined when nothing was uploaded under the key. */
export async function inspectPhoto(key: string): Promise<PhotoFacts | undefined> {
  try {
    const head = await s3Client.send(new HeadObjectCommand({ Bucket: config.uploadBucket, Key: key }));
    return { size: head.ContentLength ?? 0, contentType: head.ContentType };
  } catch (error) {
    if (isMissingObject(error)) return undefined;
    throw error;
  }
}

/**
 * Whether an object is stored under the key, found by listing it (its name only): for Verify,
 * whose role may not read enrolment photos. A key sorts before every longer key it begins, so
 * one listed key is enough.
 */
export async function isPhotoStored(key: string): Promise<boolean> {
  const listed = await s3Client.send(new ListObjectsV2Command({ Bucket: config.uploadBucket, Prefix: key, MaxKeys: 1 }));
  return listed.Contents?.[0]?.Key === key;
}

export type PhotoProblem = 'TOO_LARGE' | 'NOT_AN_IMAGE';

/** Why a photo cannot be given to Rekognition, or undefined when it can. */
export function photoProblem(photo: PhotoFacts): PhotoProblem | undefined {
  if (photo.size > MAX_PHOTO_BYTES) return 'TOO_LARGE';
  if (photo.size === 0) return 'NOT_AN_IMAGE';
  const type = photo.contentType?.split(';')[0].trim().toLowerCase();
  if (type && !UNDECLARED_CONTENT_TYPES.has(type) && !ACCEPTED_CONTENT_TYPES.has(type)) return 'NOT_AN_IMAGE';
  return undefined;
}

/** Deleting a missing object is not an error in S3, so this is safe to call on every path. */
export async function deletePhoto(key: string): Promise<void> {
  await s3Client.send(new DeleteObjectCommand({ Bucket: config.uploadBucket, Key: key }));
}

function isMissingObject(error: unknown): boolean {
  // Stryker disable next-line ConditionalExpression: a thrown non-Error has neither a name nor $metadata, so it is not "missing" either way
  if (!(error instanceof Error)) return false;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  // S3 answers 403 rather than 404 for a missing key when the caller may not list the bucket;
  // the roles may list the photo prefixes only (s3:prefix), and AWS does not document whether
  // that condition counts for HeadObject. The roles may read these keys, so 403 means missing.
  return error.name === 'NotFound' || error.name === 'NoSuchKey' || error.name === 'Forbidden' || status === 404 || status === 403;
}
