// The embedded cloud wires its S3 to the Rekognition beside it: a picture PUT is looked at before
// anyone asks (sim/rekognition/picture-faces.ts), and the first request for it takes that work.
import { DetectFacesCommand, RekognitionClient } from '@aws-sdk/client-rekognition';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateFixture } from '../../sim/faces/generate-face.js';
import { LOCAL_CREDENTIALS, startEmbeddedCloud, type EmbeddedCloud } from '../../sim/embedded-cloud.js';
import { syntheticMatcher } from '../../sim/rekognition/matcher/synthetic-matcher.js';
import { cloudAssembly, STACK_NAME } from './embedded-cloud-harness.js';

let cloud: EmbeddedCloud;
let s3: S3Client;
let rekognition: RekognitionClient;

beforeAll(async () => {
  cloud = await startEmbeddedCloud({ cloudAssemblyDir: await cloudAssembly(), stackName: STACK_NAME, log: () => undefined });
  const sdk = { region: cloud.outputs.Region!, endpoint: cloud.endpoint, credentials: LOCAL_CREDENTIALS };
  s3 = new S3Client({ ...sdk, forcePathStyle: true });
  rekognition = new RekognitionClient(sdk);
});
afterAll(async () => {
  s3?.destroy();
  rekognition?.destroy();
  await cloud?.close();
});

describe('faces found ahead, in the embedded cloud', () => {
  it('looks for the faces of a picture as S3 stores it; the first request takes them, the next looks again', async () => {
    const bucket = cloud.outputs.BucketName!;
    // Outside enrol/ and signin/: no notification, so no function asks Rekognition anything meanwhile.
    const key = 'elsewhere/ahead.jpg';
    const synthetic = vi.spyOn(syntheticMatcher, 'findFaces');
    try {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: await generateFixture('face', 'found-ahead', 1), ContentType: 'image/jpeg' }));
      await vi.waitFor(() => expect(synthetic).toHaveBeenCalledTimes(1), { timeout: 10_000 });
      const first = await rekognition.send(new DetectFacesCommand({ Image: { S3Object: { Bucket: bucket, Name: key } } }));
      expect(first.FaceDetails).toHaveLength(1);
      expect(synthetic).toHaveBeenCalledTimes(1);
      const second = await rekognition.send(new DetectFacesCommand({ Image: { S3Object: { Bucket: bucket, Name: key } } }));
      expect(second.FaceDetails).toEqual(first.FaceDetails);
      expect(synthetic).toHaveBeenCalledTimes(2);
    } finally {
      synthetic.mockRestore();
    }
  });
});
