// The Rekognition face-collection emulator as a JSON 1.1 service. The table below only maps
// X-Amz-Target operation names to their files; all behaviour lives in operations/.
import { AwsServiceError, type JsonService } from '../aws-json-protocol.js';
import { reportInternalError } from '../internal-errors.js';
import { cryptoRandom, systemClock, type Clock, type RandomSource } from '../clock.js';
import { CollectionStore } from './collection-store.js';
import { InternalServerError, rekognitionErrorBody } from './errors.js';
import { FaceFinder } from './face-finder.js';
import { ImageInput, type S3ClientSource } from './image-input.js';
import { PictureFaces } from './picture-faces.js';
import { sharedNeuralFaceModel, type NeuralFaceModel } from './matcher/neural-model.js';
import type { RekognitionContext, RekognitionOperation } from './rekognition-context.js';
import { compareFaces } from './operations/compare-faces.js';
import { createCollection } from './operations/create-collection.js';
import { deleteCollection } from './operations/delete-collection.js';
import { deleteFaces } from './operations/delete-faces.js';
import { describeCollection } from './operations/describe-collection.js';
import { detectFaces } from './operations/detect-faces.js';
import { indexFaces } from './operations/index-faces.js';
import { listCollections } from './operations/list-collections.js';
import { listFaces } from './operations/list-faces.js';
import { searchFaces } from './operations/search-faces.js';
import { searchFacesByImage } from './operations/search-faces-by-image.js';

export interface RekognitionServiceOptions {
  /** Persist collections under `<dataDir>/rekognition/`; in memory when absent. */
  dataDir?: string;
  clock?: Clock;
  random?: RandomSource;
  /** Reads `S3Object` images; its endpoint picks the S3 (embedded, LocalStack, real). */
  s3?: S3ClientSource;
  /** Pins the region used in ARNs; by default the region the client signed for. */
  region?: string;
  /** Account id in collection ARNs. Default 000000000000. */
  accountId?: string;
  /** A prepared store (benchmarks fill one with synthetic faces); `dataDir` is then ignored. */
  store?: CollectionStore;
  /** The neural path's model; by default the process's shared one (off when FACEKIT_NEURAL_FACES=off). */
  neuralModel?: NeuralFaceModel;
}

const OPERATIONS: Record<string, RekognitionOperation> = {
  CreateCollection: createCollection,
  DescribeCollection: describeCollection,
  ListCollections: listCollections,
  DeleteCollection: deleteCollection,
  IndexFaces: indexFaces,
  ListFaces: listFaces,
  DeleteFaces: deleteFaces,
  SearchFaces: searchFaces,
  SearchFacesByImage: searchFacesByImage,
  DetectFaces: detectFaces,
  CompareFaces: compareFaces,
};

export interface RekognitionService extends JsonService {
  /** An S3 beside it stored `bytes`: the faces a request will ask for are looked for ahead (picture-faces.ts). */
  noticeStored(bytes: Uint8Array): void;
  close(): Promise<void>;
}

export function createRekognitionService(options: RekognitionServiceOptions = {}): RekognitionService {
  const store = options.store ?? new CollectionStore(options.dataDir);
  const pictures = new PictureFaces(new ImageInput(options.s3), new FaceFinder(options.neuralModel ?? sharedNeuralFaceModel()));
  const base = { store, pictures, clock: options.clock ?? systemClock, random: options.random ?? cryptoRandom, accountId: options.accountId ?? '000000000000' };
  const operations = Object.fromEntries(
    Object.entries(OPERATIONS).map(([name, operation]) => [
      name,
      async (input: Record<string, unknown>, { region }: { region: string }) => {
        const context: RekognitionContext = { ...base, region: options.region ?? region };
        try {
          return await operation(input, context);
        } catch (error) {
          if (error instanceof AwsServiceError) throw error;
          reportInternalError('rekognition', name, undefined, error);
          throw new InternalServerError();
        }
      },
    ]),
  );
  return {
    targetPrefix: 'RekognitionService',
    operations,
    errorBody: rekognitionErrorBody,
    signingName: 'rekognition',
    // Image bytes are capped at 5 MB, about 6.7 MB once base64-encoded in the JSON body.
    maxRequestBytes: 8 * 1024 * 1024,
    noticeStored: (bytes) => pictures.noticeStored(bytes),
    // Every write is synchronous, so there is nothing to flush; kept for a uniform lifecycle.
    close: async () => undefined,
  };
}
