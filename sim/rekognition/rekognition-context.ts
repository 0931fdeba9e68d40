// What every Rekognition operation receives: its collaborators, never a global.
import type { Clock, RandomSource } from '../clock.js';
import type { CollectionStore, FaceCollection } from './collection-store.js';
import { ResourceNotFoundError } from './errors.js';
import type { PictureFaces } from './picture-faces.js';

export interface RekognitionContext {
  store: CollectionStore;
  clock: Clock;
  random: RandomSource;
  /** Reads a request's picture and finds its faces through the synthetic or the neural matcher path. */
  pictures: PictureFaces;
  /** Region of this request (ARNs, S3 client). */
  region: string;
  accountId: string;
}

export type RekognitionOperation = (input: Record<string, unknown>, context: RekognitionContext) => Promise<Record<string, unknown>>;

export function existingCollection(context: RekognitionContext, collectionId: string): FaceCollection {
  const collection = context.store.get(collectionId);
  if (!collection) throw new ResourceNotFoundError(collectionId);
  return collection;
}
