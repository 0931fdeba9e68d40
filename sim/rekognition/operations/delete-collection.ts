import { collectionIdOf } from '../parameters.js';
import { existingCollection, type RekognitionOperation } from '../rekognition-context.js';

export const deleteCollection: RekognitionOperation = async (input, context) => {
  const collection = existingCollection(context, collectionIdOf(input));
  context.store.delete(collection.record.id);
  return { StatusCode: 200 };
};
