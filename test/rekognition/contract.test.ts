// The Rekognition emulator judged by the unmodified AWS SDK v3 client, over HTTP.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CompareFacesCommand,
  CreateCollectionCommand,
  DeleteCollectionCommand,
  DeleteFacesCommand,
  DescribeCollectionCommand,
  DetectFacesCommand,
  IndexFacesCommand,
  ListCollectionsCommand,
  ListFacesCommand,
  RekognitionClient,
  SearchFacesByImageCommand,
  SearchFacesCommand,
  type Image,
} from '@aws-sdk/client-rekognition';
import { S3Client } from '@aws-sdk/client-s3';
import Fastify, { type FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { failureOf } from '../sdk-failure.js';
import { withJpegSize } from './declared-size.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { registerJsonServices } from '../../sim/aws-json-protocol.js';
import { ManualClock } from '../../sim/clock.js';
import { generateFace, generateFixture } from '../../sim/faces/generate-face.js';
import { createRekognitionService, type RekognitionServiceOptions } from '../../sim/rekognition/service.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

/** A stand-in S3: path-style GET of objects held in memory, 404 NoSuchKey otherwise. */
const s3Objects = new Map<string, Buffer>();
let s3App: FastifyInstance;
let s3Endpoint: string;

interface Sim {
  app: FastifyInstance;
  client: RekognitionClient;
  close(): Promise<void>;
}
const running: Sim[] = [];
const dataDirs: string[] = [];

async function startSim(options: RekognitionServiceOptions = {}): Promise<Sim> {
  const service = createRekognitionService({
    clock: new ManualClock(Date.UTC(2026, 0, 2, 3, 4, 5)),
    s3: (region) => new S3Client({ region, endpoint: s3Endpoint, forcePathStyle: true, credentials }),
    ...options,
  });
  const app = Fastify();
  registerJsonServices(app, [service]);
  const endpoint = await app.listen({ port: 0, host: '127.0.0.1' });
  const client = new RekognitionClient({ endpoint, region: 'us-east-1', credentials });
  const sim: Sim = {
    app,
    client,
    close: async () => {
      running.splice(running.indexOf(sim), 1);
      client.destroy();
      await app.close();
      await service.close();
    },
  };
  running.push(sim);
  return sim;
}

function bytes(buffer: Buffer): Image {
  return { Bytes: new Uint8Array(buffer) };
}

let sim: Sim;
let faces: Record<string, Buffer>;

beforeAll(async () => {
  s3App = Fastify();
  s3App.get('/:bucket/*', async (request, reply) => {
    const { bucket, '*': key } = request.params as { bucket: string; '*': string };
    const { versionId } = request.query as { versionId?: string };
    // Every stored object here has exactly one version, "v1".
    const object = versionId === undefined || versionId === 'v1' ? s3Objects.get(`${bucket}/${decodeURIComponent(key)}`) : undefined;
    if (!object) {
      return reply.code(404).header('content-type', 'application/xml')
        .send('<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>');
    }
    return reply.header('content-type', 'image/jpeg').header('content-length', object.length).send(object);
  });
  s3Endpoint = await s3App.listen({ port: 0, host: '127.0.0.1' });
  faces = {
    alice: await generateFace({ seed: 'alice' }),
    aliceAgain: await generateFace({ seed: 'alice', variant: 3 }),
    aliceSideways: await generateFace({ seed: 'alice', variant: 2, camera: { exifOrientation: 6 } }),
    aliceUpright: await generateFace({ seed: 'alice', variant: 2 }),
    bob: await generateFace({ seed: 'bob' }),
    bobAgain: await generateFace({ seed: 'bob', variant: 1 }),
    aliceInTheDark: await generateFace({ seed: 'alice', camera: { brightness: -120, contrast: 0.6 } }),
    aliceGroup: await generateFixture('two-faces', 'alice'),
    threeFaces: await generateFixture('three-faces', 'carol'),
    noFace: await generateFixture('no-face', 'dave'),
    tooSmall: await generateFixture('too-small', 'erin'),
    corrupt: await generateFixture('corrupt', 'frank'),
  };
  sim = await startSim();
});

afterEach(() => {
  for (const dir of dataDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

afterAll(async () => {
  for (const other of [...running]) await other.close();
  await s3App.close();
});

describe('collections', () => {
  it('creates a collection with its ARN and model version, and refuses a duplicate', async () => {
    const created = await sim.client.send(new CreateCollectionCommand({ CollectionId: 'staff-1' }));
    expect(created).toMatchObject({ StatusCode: 200, CollectionArn: 'aws:rekognition:us-east-1:000000000000:collection/staff-1', FaceModelVersion: '7.0' });

    expect(await failureOf(sim.client.send(new CreateCollectionCommand({ CollectionId: 'staff-1' })))).toEqual({
      name: 'ResourceAlreadyExistsException',
      message: 'The collection id: staff-1 already exists.',
    });
  });

  it('describes a collection and reports an unknown one as not found', async () => {
    await sim.client.send(new CreateCollectionCommand({ CollectionId: 'described' }));
    const described = await sim.client.send(new DescribeCollectionCommand({ CollectionId: 'described' }));
    expect(described).toMatchObject({ FaceCount: 0, FaceModelVersion: '7.0', CollectionARN: 'aws:rekognition:us-east-1:000000000000:collection/described', UserCount: 0 });
    expect(described.CreationTimestamp?.toISOString()).toBe('2026-01-02T03:04:05.000Z');

    expect(await failureOf(sim.client.send(new DescribeCollectionCommand({ CollectionId: 'nobody-here' })))).toEqual({
      name: 'ResourceNotFoundException',
      message: 'The collection id: nobody-here does not exist',
    });
  });

  it('lists collections page by page with their model versions', async () => {
    const own = await startSim();
    for (const id of ['c-a', 'c-b', 'c-c']) await own.client.send(new CreateCollectionCommand({ CollectionId: id }));

    const first = await own.client.send(new ListCollectionsCommand({ MaxResults: 2 }));
    const second = await own.client.send(new ListCollectionsCommand({ MaxResults: 2, NextToken: first.NextToken }));

    expect(first).toMatchObject({ CollectionIds: ['c-a', 'c-b'], FaceModelVersions: ['7.0', '7.0'] });
    expect(second.CollectionIds).toEqual(['c-c']);
    expect(second.NextToken).toBeUndefined();
    expect(await failureOf(own.client.send(new ListCollectionsCommand({ NextToken: 'bm90LWEtdG9rZW4=' })))).toMatchObject({ name: 'InvalidPaginationTokenException' });
  });

  it('deletes a collection, after which it does not exist', async () => {
    await sim.client.send(new CreateCollectionCommand({ CollectionId: 'short-lived' }));
    expect(await sim.client.send(new DeleteCollectionCommand({ CollectionId: 'short-lived' }))).toMatchObject({ StatusCode: 200 });
    expect(await failureOf(sim.client.send(new DeleteCollectionCommand({ CollectionId: 'short-lived' })))).toEqual({
      name: 'ResourceNotFoundException',
      message: 'The collection id: short-lived does not exist',
    });
  });

  it('rejects collection ids outside [a-zA-Z0-9_.-]{1,255}', async () => {
    for (const CollectionId of ['has space', 'colon:id', 'x'.repeat(256)]) {
      expect(await failureOf(sim.client.send(new CreateCollectionCommand({ CollectionId })))).toEqual({
        name: 'InvalidParameterException',
        message: 'Request has invalid parameters.',
      });
    }
  });
});

describe('indexing and searching faces', () => {
  it('indexes a face with its FaceDetail and finds the same person in another photograph', async () => {
    await sim.client.send(new CreateCollectionCommand({ CollectionId: 'sign-in' }));
    const indexed = await sim.client.send(new IndexFacesCommand({ CollectionId: 'sign-in', Image: bytes(faces.alice), ExternalImageId: 'user:alice' }));
    await sim.client.send(new IndexFacesCommand({ CollectionId: 'sign-in', Image: bytes(faces.bob), ExternalImageId: 'user:bob' }));

    expect(indexed.FaceModelVersion).toBe('7.0');
    expect(indexed.UnindexedFaces).toEqual([]);
    expect(indexed.FaceRecords).toHaveLength(1);
    const [{ Face, FaceDetail }] = indexed.FaceRecords!;
    expect(Face).toMatchObject({ ExternalImageId: 'user:alice', IndexFacesModelVersion: '7.0' });
    expect(Face!.FaceId).toMatch(UUID);
    expect(Face!.ImageId).toMatch(UUID);
    expect(Face!.Confidence).toBeGreaterThan(99);
    expect(FaceDetail!.BoundingBox!.Width).toBeGreaterThan(0.3);
    expect(FaceDetail!.Landmarks!.map((landmark) => landmark.Type)).toEqual(['eyeLeft', 'eyeRight', 'nose', 'mouthLeft', 'mouthRight']);
    expect(FaceDetail!.Quality).toMatchObject({ Brightness: expect.any(Number), Sharpness: expect.any(Number) });
    expect(FaceDetail!.Pose).toMatchObject({ Roll: expect.any(Number), Yaw: expect.any(Number), Pitch: expect.any(Number) });

    const search = await sim.client.send(new SearchFacesByImageCommand({ CollectionId: 'sign-in', Image: bytes(faces.aliceAgain), FaceMatchThreshold: 95 }));
    expect(search.FaceModelVersion).toBe('7.0');
    expect(search.SearchedFaceConfidence).toBeGreaterThan(99);
    expect(search.SearchedFaceBoundingBox!.Width).toBeGreaterThan(0.3);
    expect(search.FaceMatches!.map((match) => match.Face!.ExternalImageId)).toEqual(['user:alice']);
    expect(search.FaceMatches![0].Similarity).toBeGreaterThanOrEqual(95);
    expect(search.FaceMatches![0].Face!.FaceId).toBe(Face!.FaceId);
  });

  it('finds nobody for a stranger, even at the default threshold of 80', async () => {
    await sim.client.send(new CreateCollectionCommand({ CollectionId: 'strangers' }));
    await sim.client.send(new IndexFacesCommand({ CollectionId: 'strangers', Image: bytes(faces.alice) }));

    const search = await sim.client.send(new SearchFacesByImageCommand({ CollectionId: 'strangers', Image: bytes(faces.bobAgain) }));
    expect(search.FaceMatches).toEqual([]);
    const everything = await sim.client.send(new SearchFacesByImageCommand({ CollectionId: 'strangers', Image: bytes(faces.bobAgain), FaceMatchThreshold: 0 }));
    expect(everything.FaceMatches).toHaveLength(1);
    expect(everything.FaceMatches![0].Similarity).toBeLessThan(50);
  });

  it('sorts matches by similarity and honours MaxFaces', async () => {
    await sim.client.send(new CreateCollectionCommand({ CollectionId: 'ranked' }));
    for (const image of [faces.bob, faces.alice, faces.aliceUpright]) await sim.client.send(new IndexFacesCommand({ CollectionId: 'ranked', Image: bytes(image) }));

    const all = await sim.client.send(new SearchFacesByImageCommand({ CollectionId: 'ranked', Image: bytes(faces.aliceAgain), FaceMatchThreshold: 0 }));
    const similarities = all.FaceMatches!.map((match) => match.Similarity!);
    expect(similarities).toEqual([...similarities].sort((left, right) => right - left));
    expect(similarities).toHaveLength(3);
    const one = await sim.client.send(new SearchFacesByImageCommand({ CollectionId: 'ranked', Image: bytes(faces.aliceAgain), FaceMatchThreshold: 0, MaxFaces: 1 }));
    expect(one.FaceMatches).toHaveLength(1);
  });

  it('says there is no face when the searched picture has none', async () => {
    await sim.client.send(new CreateCollectionCommand({ CollectionId: 'empty-search' }));
    expect(await failureOf(sim.client.send(new SearchFacesByImageCommand({ CollectionId: 'empty-search', Image: bytes(faces.noFace) })))).toEqual({
      name: 'InvalidParameterException',
      message: 'There are no faces in the image. Should be at least 1.',
    });
  });

  it('keeps the largest faces up to MaxFaces and reports the rest as EXCEEDS_MAX_FACES', async () => {
    await sim.client.send(new CreateCollectionCommand({ CollectionId: 'groups' }));
    const indexed = await sim.client.send(new IndexFacesCommand({ CollectionId: 'groups', Image: bytes(faces.threeFaces), MaxFaces: 1 }));

    expect(indexed.FaceRecords).toHaveLength(1);
    expect(indexed.UnindexedFaces!.map((face) => face.Reasons)).toEqual([['EXCEEDS_MAX_FACES'], ['EXCEEDS_MAX_FACES']]);
    const keptWidth = indexed.FaceRecords![0].FaceDetail!.BoundingBox!.Width!;
    for (const face of indexed.UnindexedFaces!) expect(face.FaceDetail!.BoundingBox!.Width).toBeLessThan(keptWidth);
  });

  it('leaves a dark face unindexed for LOW_BRIGHTNESS unless QualityFilter is NONE', async () => {
    await sim.client.send(new CreateCollectionCommand({ CollectionId: 'quality' }));
    const filtered = await sim.client.send(new IndexFacesCommand({ CollectionId: 'quality', Image: bytes(faces.aliceInTheDark) }));
    const unfiltered = await sim.client.send(new IndexFacesCommand({ CollectionId: 'quality', Image: bytes(faces.aliceInTheDark), QualityFilter: 'NONE' }));

    expect(filtered.FaceRecords).toEqual([]);
    expect(filtered.UnindexedFaces!.map((face) => face.Reasons)).toEqual([['LOW_BRIGHTNESS']]);
    expect(unfiltered.FaceRecords).toHaveLength(1);
  });

  it('lists faces page by page, searches by FaceId and deletes faces', async () => {
    await sim.client.send(new CreateCollectionCommand({ CollectionId: 'members' }));
    const ids: string[] = [];
    for (const [image, name] of [[faces.alice, 'alice'], [faces.bob, 'bob'], [faces.aliceUpright, 'alice']] as const) {
      const indexed = await sim.client.send(new IndexFacesCommand({ CollectionId: 'members', Image: bytes(image), ExternalImageId: name }));
      ids.push(indexed.FaceRecords![0].Face!.FaceId!);
    }

    const first = await sim.client.send(new ListFacesCommand({ CollectionId: 'members', MaxResults: 2 }));
    const second = await sim.client.send(new ListFacesCommand({ CollectionId: 'members', MaxResults: 2, NextToken: first.NextToken }));
    expect([...first.Faces!, ...second.Faces!].map((face) => face.FaceId)).toEqual(ids);
    expect(second.NextToken).toBeUndefined();
    expect(first.FaceModelVersion).toBe('7.0');

    const byId = await sim.client.send(new SearchFacesCommand({ CollectionId: 'members', FaceId: ids[0] }));
    expect(byId.SearchedFaceId).toBe(ids[0]);
    expect(byId.FaceMatches!.map((match) => match.Face!.FaceId)).toEqual([ids[2]]);

    const unknownFaceId = '00000000-0000-4000-8000-000000000000';
    const deleted = await sim.client.send(new DeleteFacesCommand({ CollectionId: 'members', FaceIds: [ids[1], unknownFaceId] }));
    expect(deleted.DeletedFaces).toEqual([ids[1]]);
    expect(deleted.UnsuccessfulFaceDeletions).toEqual([{ FaceId: unknownFaceId, Reasons: ['FACE_NOT_FOUND'] }]);
    expect((await sim.client.send(new DescribeCollectionCommand({ CollectionId: 'members' }))).FaceCount).toBe(2);
    expect(await failureOf(sim.client.send(new SearchFacesCommand({ CollectionId: 'members', FaceId: ids[1] })))).toEqual({
      name: 'InvalidParameterException',
      message: 'faceId was not found in the collection.',
    });
    expect(await failureOf(sim.client.send(new DeleteFacesCommand({ CollectionId: 'members', FaceIds: ['NOT-A-UUID'] })))).toMatchObject({ name: 'InvalidParameterException' });
  });

  it('lists no face for a ListFaces UserId, since no face is associated with a user here, and refuses a malformed UserId', async () => {
    await sim.client.send(new CreateCollectionCommand({ CollectionId: 'by-user' }));
    await sim.client.send(new IndexFacesCommand({ CollectionId: 'by-user', Image: bytes(faces.alice), ExternalImageId: 'alice' }));

    const listed = await sim.client.send(new ListFacesCommand({ CollectionId: 'by-user', UserId: 'alice' }));
    expect(listed.Faces).toEqual([]);
    expect(listed.NextToken).toBeUndefined();
    expect((await sim.client.send(new ListFacesCommand({ CollectionId: 'by-user' }))).Faces).toHaveLength(1);
    for (const UserId of ['', 'no spaces', 'u'.repeat(129)]) {
      expect(await failureOf(sim.client.send(new ListFacesCommand({ CollectionId: 'by-user', UserId }))), UserId).toMatchObject({ name: 'InvalidParameterException' });
    }
  });

  it('refuses a ListFaces NextToken it did not issue for that collection rather than restarting or ending the list', async () => {
    await sim.client.send(new CreateCollectionCommand({ CollectionId: 'paged' }));
    await sim.client.send(new CreateCollectionCommand({ CollectionId: 'paged-elsewhere' }));
    for (const image of [faces.alice, faces.bob]) await sim.client.send(new IndexFacesCommand({ CollectionId: 'paged', Image: bytes(image) }));
    const first = await sim.client.send(new ListFacesCommand({ CollectionId: 'paged', MaxResults: 1 }));
    const scope = 'faces:paged';

    const refusals = [
      tokenOf({ scope, after: -5 }),
      tokenOf({ scope, after: 0.5 }),
      tokenOf({ scope, after: 2 }),
      tokenOf({ scope, after: 'x' }),
      tokenOf({ scope, after: '0' }),
      tokenOf({ scope }),
      tokenOf({ a: 1 }),
      tokenOf({ scope, after: 0, extra: true }),
      tokenOf({ after: 0, scope }),
      tokenOf([scope, 0]),
      tokenOf(null),
      'not base64 at all',
    ];
    for (const NextToken of refusals) {
      expect(await failureOf(sim.client.send(new ListFacesCommand({ CollectionId: 'paged', NextToken }))), NextToken).toMatchObject({ name: 'InvalidPaginationTokenException' });
    }
    expect(await failureOf(sim.client.send(new ListFacesCommand({ CollectionId: 'paged-elsewhere', NextToken: first.NextToken })))).toMatchObject({ name: 'InvalidPaginationTokenException' });
    expect(first.NextToken).toBe(tokenOf({ scope, after: 0 }));
    expect((await sim.client.send(new ListFacesCommand({ CollectionId: 'paged', NextToken: first.NextToken }))).Faces).toHaveLength(1);
  });

  it('refuses a ListCollections NextToken whose position is not a collection id', async () => {
    for (const after of [5, '', 'no spaces allowed', null]) {
      expect(await failureOf(sim.client.send(new ListCollectionsCommand({ NextToken: tokenOf({ scope: 'collections', after }) })))).toMatchObject({ name: 'InvalidPaginationTokenException' });
    }
    expect(await failureOf(sim.client.send(new ListCollectionsCommand({ NextToken: tokenOf({ scope: 'faces:paged', after: 'paged' }) })))).toMatchObject({ name: 'InvalidPaginationTokenException' });
    expect((await sim.client.send(new ListCollectionsCommand({ NextToken: tokenOf({ scope: 'collections', after: 'a-collection-since-deleted' }) }))).CollectionIds).toBeDefined();
  });

  it('honours EXIF orientation: a sideways-stored photo gives the upright bounding box', async () => {
    const sideways = await sim.client.send(new DetectFacesCommand({ Image: bytes(faces.aliceSideways) }));
    const upright = await sim.client.send(new DetectFacesCommand({ Image: bytes(faces.aliceUpright) }));

    const [turned] = sideways.FaceDetails!;
    const [straight] = upright.FaceDetails!;
    for (const side of ['Left', 'Top', 'Width', 'Height'] as const) expect(turned.BoundingBox![side]).toBeCloseTo(straight.BoundingBox![side]!, 1);
    expect(Math.abs(turned.Pose!.Roll! - straight.Pose!.Roll!)).toBeLessThan(2);
  });

  it('takes a PNG as stored, whatever orientation an eXIf chunk names: Rekognition corrects JPEGs only', async () => {
    const pngNamingSideways = await sharp(faces.aliceUpright).png().withMetadata({ orientation: 6 }).toBuffer();
    expect((await sharp(pngNamingSideways).metadata()).orientation).toBe(6);

    const [asStored] = (await sim.client.send(new DetectFacesCommand({ Image: bytes(pngNamingSideways) }))).FaceDetails!;
    const [straight] = (await sim.client.send(new DetectFacesCommand({ Image: bytes(faces.aliceUpright) }))).FaceDetails!;

    expect(Math.abs(asStored.Pose!.Roll! - straight.Pose!.Roll!)).toBeLessThan(2);
    for (const side of ['Left', 'Top', 'Width', 'Height'] as const) expect(asStored.BoundingBox![side]).toBeCloseTo(straight.BoundingBox![side]!, 1);
  });
});

describe('DetectFaces and CompareFaces', () => {
  it('detects every face of a group photo and none in a picture without faces', async () => {
    const group = await sim.client.send(new DetectFacesCommand({ Image: bytes(faces.threeFaces), Attributes: ['DEFAULT'] }));
    const empty = await sim.client.send(new DetectFacesCommand({ Image: bytes(faces.noFace) }));

    expect(group.FaceDetails).toHaveLength(3);
    expect(empty.FaceDetails).toEqual([]);
  });

  it('matches the source face against each face of the target', async () => {
    const compared = await sim.client.send(new CompareFacesCommand({ SourceImage: bytes(faces.aliceAgain), TargetImage: bytes(faces.aliceGroup), SimilarityThreshold: 90 }));

    expect(compared.SourceImageFace!.Confidence).toBeGreaterThan(99);
    expect(compared.FaceMatches).toHaveLength(1);
    expect(compared.FaceMatches![0].Similarity).toBeGreaterThanOrEqual(95);
    expect(compared.UnmatchedFaces).toHaveLength(1);
    expect(compared.FaceMatches![0].Face!.BoundingBox!.Width).toBeGreaterThan(compared.UnmatchedFaces![0].BoundingBox!.Width!);
  });

  it('refuses a source picture without a face', async () => {
    expect(await failureOf(sim.client.send(new CompareFacesCommand({ SourceImage: bytes(faces.noFace), TargetImage: bytes(faces.alice) })))).toEqual({
      name: 'InvalidParameterException',
      message: 'There are no faces in the image. Should be at least 1.',
    });
  });
});

describe('image limits and parameters', () => {
  it('rejects bytes that are not a JPEG or PNG, and a JPEG that does not decode', async () => {
    for (const image of [Buffer.from('GIF89a this is not a face'), faces.corrupt]) {
      expect(await failureOf(sim.client.send(new DetectFacesCommand({ Image: bytes(image) })))).toEqual({
        name: 'InvalidImageFormatException',
        message: 'Request has invalid image format.',
      });
    }
  });

  it('rejects images over 5 MB of bytes as too large', async () => {
    const huge = Buffer.concat([faces.alice, Buffer.alloc(5_242_881 - faces.alice.length)]);
    expect(await failureOf(sim.client.send(new DetectFacesCommand({ Image: bytes(huge) })))).toEqual({ name: 'ImageTooLargeException', message: 'Image size is too large.' });
  });

  it('rejects images wider or taller than 10,000 pixels as too large', async () => {
    const wide = await sharp({ create: { width: 10_001, height: 100, channels: 3, background: '#336699' } }).png().toBuffer();
    expect(await failureOf(sim.client.send(new DetectFacesCommand({ Image: bytes(wide) })))).toEqual({ name: 'ImageTooLargeException', message: 'Image size is too large.' });
  });

  it('rejects a JPEG of 16,400 x 16,400 as too large too, past the pixel count the decoder refuses to open by default', async () => {
    const small = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#336699' } }).jpeg().toBuffer();
    const huge = withJpegSize(small, 16_400, 16_400);
    expect((await sharp(huge, { limitInputPixels: false }).metadata()).width).toBe(16_400);

    expect(await failureOf(sim.client.send(new DetectFacesCommand({ Image: bytes(huge) })))).toEqual({ name: 'ImageTooLargeException', message: 'Image size is too large.' });
  });

  it('refuses a progressive JPEG whose decoder would hold over 320 MiB (10,000 x 10,000 in 4:4:4 or CMYK, from under 1 KB) before decoding it', async () => {
    const small = sharp({ create: { width: 64, height: 64, channels: 3, background: '#336699' } });
    for (const picture of [
      await small.clone().jpeg({ progressive: true, chromaSubsampling: '4:4:4' }).toBuffer(),
      await small.clone().toColourspace('cmyk').jpeg({ progressive: true }).toBuffer(),
    ]) {
      const bomb = withJpegSize(picture, 10_000, 10_000);
      expect(bomb.length).toBeLessThan(2_000);
      expect(await failureOf(sim.client.send(new DetectFacesCommand({ Image: bytes(bomb) })))).toEqual({ name: 'ImageTooLargeException', message: 'Image size is too large.' });
    }
  });

  it('rejects an empty image', async () => {
    expect(await failureOf(sim.client.send(new DetectFacesCommand({ Image: { Bytes: new Uint8Array() } })))).toEqual({
      name: 'InvalidParameterException',
      message: 'Request has invalid parameters.',
    });
  });

  it('rejects images smaller than 80 pixels on a side', async () => {
    expect(await failureOf(sim.client.send(new DetectFacesCommand({ Image: bytes(faces.tooSmall) })))).toEqual({
      name: 'InvalidParameterException',
      message: 'Request has invalid parameters.',
    });
  });

  it('rejects out-of-range thresholds, MaxFaces and external image ids', async () => {
    await sim.client.send(new CreateCollectionCommand({ CollectionId: 'limits' }));
    const invalid = { name: 'InvalidParameterException', message: 'Request has invalid parameters.' };
    expect(await failureOf(sim.client.send(new SearchFacesByImageCommand({ CollectionId: 'limits', Image: bytes(faces.alice), FaceMatchThreshold: 101 })))).toEqual(invalid);
    expect(await failureOf(sim.client.send(new SearchFacesByImageCommand({ CollectionId: 'limits', Image: bytes(faces.alice), MaxFaces: 4097 })))).toEqual(invalid);
    expect(await failureOf(sim.client.send(new IndexFacesCommand({ CollectionId: 'limits', Image: bytes(faces.alice), MaxFaces: 0 })))).toEqual(invalid);
    expect(await failureOf(sim.client.send(new IndexFacesCommand({ CollectionId: 'limits', Image: bytes(faces.alice), ExternalImageId: 'a/b' })))).toEqual(invalid);
    expect(await failureOf(sim.client.send(new IndexFacesCommand({ CollectionId: 'limits', Image: bytes(faces.alice), QualityFilter: 'BEST' as never })))).toEqual(invalid);
    expect(await failureOf(sim.client.send(new IndexFacesCommand({ CollectionId: 'limits', Image: {} })))).toEqual(invalid);
  });

  it('reports an unknown collection before looking at the image', async () => {
    expect(await failureOf(sim.client.send(new IndexFacesCommand({ CollectionId: 'ghost', Image: bytes(faces.corrupt) })))).toEqual({
      name: 'ResourceNotFoundException',
      message: 'The collection id: ghost does not exist',
    });
  });
});

describe('S3Object images', () => {
  it('reads the image from S3 through the configured endpoint', async () => {
    s3Objects.set('uploads/enrol/user-1/photo 1.jpg', faces.alice);
    await sim.client.send(new CreateCollectionCommand({ CollectionId: 'from-s3' }));

    const indexed = await sim.client.send(new IndexFacesCommand({ CollectionId: 'from-s3', Image: { S3Object: { Bucket: 'uploads', Name: 'enrol/user-1/photo 1.jpg' } } }));
    const search = await sim.client.send(new SearchFacesByImageCommand({ CollectionId: 'from-s3', Image: bytes(faces.aliceAgain) }));

    expect(indexed.FaceRecords).toHaveLength(1);
    expect(search.FaceMatches![0].Face!.FaceId).toBe(indexed.FaceRecords![0].Face!.FaceId);
  });

  it('reads the requested object version', async () => {
    s3Objects.set('uploads/versioned.jpg', faces.alice);
    const found = await sim.client.send(new DetectFacesCommand({ Image: { S3Object: { Bucket: 'uploads', Name: 'versioned.jpg', Version: 'v1' } } }));
    expect(found.FaceDetails).toHaveLength(1);
    expect(await failureOf(sim.client.send(new DetectFacesCommand({ Image: { S3Object: { Bucket: 'uploads', Name: 'versioned.jpg', Version: 'v2' } } })))).toMatchObject({
      name: 'InvalidS3ObjectException',
    });
  });

  it('reads an in-process S3 (the embedded cloud) only at its null version, since it keeps no versions', async () => {
    const inProcess = await startSim({ s3: { readObject: async (bucket, key) => (bucket === 'photos' && key === 'alice.jpg' ? new Uint8Array(faces.alice) : undefined) } });
    const image = (Version?: string) => ({ S3Object: { Bucket: 'photos', Name: 'alice.jpg', ...(Version === undefined ? {} : { Version }) } });

    expect((await inProcess.client.send(new DetectFacesCommand({ Image: image() }))).FaceDetails).toHaveLength(1);
    expect((await inProcess.client.send(new DetectFacesCommand({ Image: image('null') }))).FaceDetails).toHaveLength(1);
    expect(await failureOf(inProcess.client.send(new DetectFacesCommand({ Image: image('3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY+MTRCxf3vjVBH40Nr8X8gdRQBpUMLUo') })))).toEqual({
      name: 'InvalidS3ObjectException',
      message: 'Unable to get object metadata from S3. Check object key, region and/or access permissions.',
    });
    await inProcess.close();
  });

  it('refuses an in-process S3 object over 15 MB by its size, without reading it (a multipart object may be a GiB)', async () => {
    const inProcess = await startSim({ s3: {
      objectSize: () => 1024 * 1024 * 1024,
      readObject: async () => {
        throw new Error('read whole');
      },
    } });

    expect(await failureOf(inProcess.client.send(new DetectFacesCommand({ Image: { S3Object: { Bucket: 'photos', Name: 'huge.jpg' } } })))).toEqual({
      name: 'ImageTooLargeException',
      message: 'Image size is too large.',
    });
    await inProcess.close();
  });

  it('turns a missing object into InvalidS3ObjectException', async () => {
    expect(await failureOf(sim.client.send(new DetectFacesCommand({ Image: { S3Object: { Bucket: 'uploads', Name: 'missing.jpg' } } })))).toEqual({
      name: 'InvalidS3ObjectException',
      message: 'Unable to get object metadata from S3. Check object key, region and/or access permissions.',
    });
  });

  it('rejects S3 objects over 15 MB as too large', async () => {
    s3Objects.set('uploads/huge.jpg', Buffer.concat([faces.alice, Buffer.alloc(15 * 1024 * 1024 + 1 - faces.alice.length)]));
    expect(await failureOf(sim.client.send(new DetectFacesCommand({ Image: { S3Object: { Bucket: 'uploads', Name: 'huge.jpg' } } })))).toEqual({
      name: 'ImageTooLargeException',
      message: 'Image size is too large.',
    });
  });
});

describe('persistence', () => {
  it('keeps collections and faces across a restart on the same data folder, and forgets deletions', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'facekit-rekognition-'));
    dataDirs.push(dataDir);
    const before = await startSim({ dataDir });
    await before.client.send(new CreateCollectionCommand({ CollectionId: 'kept' }));
    await before.client.send(new CreateCollectionCommand({ CollectionId: 'dropped' }));
    const alice = await before.client.send(new IndexFacesCommand({ CollectionId: 'kept', Image: bytes(faces.alice), ExternalImageId: 'alice' }));
    const bob = await before.client.send(new IndexFacesCommand({ CollectionId: 'kept', Image: bytes(faces.bob), ExternalImageId: 'bob' }));
    await before.client.send(new DeleteFacesCommand({ CollectionId: 'kept', FaceIds: [bob.FaceRecords![0].Face!.FaceId!] }));
    await before.client.send(new DeleteCollectionCommand({ CollectionId: 'dropped' }));
    await before.close();

    const after = await startSim({ dataDir });
    const listed = await after.client.send(new ListCollectionsCommand({}));
    const kept = await after.client.send(new ListFacesCommand({ CollectionId: 'kept' }));
    const search = await after.client.send(new SearchFacesByImageCommand({ CollectionId: 'kept', Image: bytes(faces.aliceAgain) }));

    expect(listed.CollectionIds).toEqual(['kept']);
    expect(kept.Faces!.map((face) => face.ExternalImageId)).toEqual(['alice']);
    expect(search.FaceMatches![0].Face!.FaceId).toBe(alice.FaceRecords![0].Face!.FaceId);
  });
});

/** A pagination token as the sim encodes one (base64 of JSON), for hand-edited tokens. */
function tokenOf(position: unknown): string {
  return Buffer.from(JSON.stringify(position)).toString('base64');
}
