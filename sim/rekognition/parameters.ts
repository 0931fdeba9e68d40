// Request parameter checks with Rekognition's limits. Anything out of range is
// InvalidParameterException "Request has invalid parameters.", as the service answers.
import { InvalidParameterError } from './errors.js';

const COLLECTION_ID = /^[a-zA-Z0-9_.-]{1,255}$/;
const EXTERNAL_IMAGE_ID = /^[a-zA-Z0-9_.\-:]{1,255}$/;
/** UserId in Rekognition's model: 1 to 128 characters of [a-zA-Z0-9_.\-:]. */
const USER_ID = /^[a-zA-Z0-9_.\-:]{1,128}$/;
const FACE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function collectionIdOf(input: Record<string, unknown>): string {
  const value = input.CollectionId;
  if (!isCollectionId(value)) throw new InvalidParameterError();
  return value;
}

export function isCollectionId(value: unknown): value is string {
  return typeof value === 'string' && COLLECTION_ID.test(value);
}

export function externalImageIdOf(input: Record<string, unknown>): string | undefined {
  return optionalMatching(input.ExternalImageId, EXTERNAL_IMAGE_ID);
}

export function userIdOf(input: Record<string, unknown>): string | undefined {
  return optionalMatching(input.UserId, USER_ID);
}

/** An optional string member: undefined when absent or null, refused unless it matches `pattern`. */
function optionalMatching(value: unknown, pattern: RegExp): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !pattern.test(value)) throw new InvalidParameterError();
  return value;
}

export function faceIdOf(value: unknown): string {
  if (typeof value !== 'string' || !FACE_ID.test(value)) throw new InvalidParameterError();
  return value;
}

export function faceIdListOf(value: unknown, { min, max }: { min: number; max: number }): string[] {
  if (!Array.isArray(value) || value.length < min || value.length > max) throw new InvalidParameterError();
  return value.map(faceIdOf);
}

/** A number within [min, max], or the default when absent. */
export function numberOf(value: unknown, { min, max, fallback, integer = false }: { min: number; max: number; fallback: number; integer?: boolean }): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw new InvalidParameterError();
  }
  return value;
}

export type QualityFilter = 'NONE' | 'AUTO' | 'LOW' | 'MEDIUM' | 'HIGH';

export function qualityFilterOf(value: unknown, fallback: QualityFilter): QualityFilter {
  if (value === undefined || value === null) return fallback;
  if (value === 'NONE' || value === 'AUTO' || value === 'LOW' || value === 'MEDIUM' || value === 'HIGH') return value;
  throw new InvalidParameterError();
}

export function pageTokenOf(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length > 255) throw new InvalidParameterError();
  return value;
}
