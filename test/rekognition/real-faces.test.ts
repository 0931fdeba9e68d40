// The neural path judged through the AWS SDK v3 client: real photographs (test/fixtures/real-faces)
// are detected, described, indexed and searched like Rekognition would; real and synthetic faces
// live side by side in one collection without ever matching each other.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CompareFacesCommand,
  CreateCollectionCommand,
  DetectFacesCommand,
  IndexFacesCommand,
  RekognitionClient,
  SearchFacesByImageCommand,
  SearchFacesCommand,
  type Image,
} from '@aws-sdk/client-rekognition';
import Fastify, { type FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { failureOf } from '../sdk-failure.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerJsonServices } from '../../sim/aws-json-protocol.js';
import { generateFace } from '../../sim/faces/generate-face.js';
import { realPhoto, shotOf } from '../../sim/faces/real-face-shots.js';
import { CollectionStore } from '../../sim/rekognition/collection-store.js';
import { NeuralFaceModel } from '../../sim/rekognition/matcher/neural-model.js';
import { createRekognitionService, type RekognitionServiceOptions } from '../../sim/rekognition/service.js';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const bytes = (buffer: Buffer): Image => ({ Bytes: new Uint8Array(buffer) });

interface Sim {
  client: RekognitionClient;
  app: FastifyInstance;
}
const sims: Sim[] = [];

async function startSim(options: RekognitionServiceOptions = {}): Promise<Sim> {
  const app = Fastify();
  registerJsonServices(app, [createRekognitionService(options)]);
  const endpoint = await app.listen({ port: 0, host: '127.0.0.1' });
  const sim = { app, client: new RekognitionClient({ endpoint, region: 'us-east-1', credentials }) };
  sims.push(sim);
  return sim;
}

/** Portraits side by side on one canvas: a group photograph of different people. */
async function groupPhoto(portraits: Buffer[]): Promise<Buffer> {
  const side = 360;
  const tiles = await Promise.all(portraits.map((portrait) => sharp(portrait).resize(side, side, { fit: 'cover' }).toBuffer()));
  return sharp({ create: { width: side * tiles.length, height: side, channels: 3, background: '#808080' } })
    .composite(tiles.map((input, index) => ({ input, left: index * side, top: 0 })))
    .jpeg({ quality: 90 })
    .toBuffer();
}

let sim: Sim;
const photos: Record<string, Buffer> = {};

beforeAll(async () => {
  sim = await startSim();
  photos.collins = realPhoto('eileen-collins.jpg');
  photos.collinsAgain = await shotOf(photos.collins, 'rotate-6');
  photos.hopper = realPhoto('grace-hopper.jpg');
  photos.hopperAgain = await shotOf(photos.hopper, 'crop');
  photos.messi = realPhoto('messi.jpg');
  photos.player = realPhoto('basketball-player-1.jpg');
  photos.playerAgain = realPhoto('basketball-player-2.jpg');
}, 120_000);

afterAll(async () => {
  for (const { app, client } of sims) {
    client.destroy();
    await app.close();
  }
});

describe('DetectFaces on real photographs', () => {
  it('describes a portrait: box around the face, five landmarks on it, frontal pose, measured quality', async () => {
    const { FaceDetails } = await sim.client.send(new DetectFacesCommand({ Image: bytes(photos.collins) }));

    expect(FaceDetails).toHaveLength(1);
    const [face] = FaceDetails!;
    expect(face.Confidence).toBeGreaterThan(95);
    const box = face.BoundingBox!;
    expect(box.Width).toBeGreaterThan(0.15);
    expect(box.Width).toBeLessThan(0.6);
    expect(face.Landmarks!.map((landmark) => landmark.Type)).toEqual(['eyeLeft', 'eyeRight', 'nose', 'mouthLeft', 'mouthRight']);
    for (const landmark of face.Landmarks!) {
      expect(landmark.X).toBeGreaterThan(box.Left!);
      expect(landmark.X).toBeLessThan(box.Left! + box.Width!);
      expect(landmark.Y).toBeGreaterThan(box.Top!);
      expect(landmark.Y).toBeLessThan(box.Top! + box.Height!);
    }
    const [eyeLeft, eyeRight, nose, mouthLeft] = face.Landmarks!;
    expect(eyeLeft.X).toBeLessThan(eyeRight.X!);
    expect(nose.Y).toBeGreaterThan(eyeLeft.Y!);
    expect(mouthLeft.Y).toBeGreaterThan(nose.Y!);
    expect(Math.abs(face.Pose!.Yaw!)).toBeLessThan(20);
    expect(Math.abs(face.Pose!.Roll!)).toBeLessThan(15);
    expect(face.Quality!.Brightness).toBeGreaterThan(30);
    expect(face.Quality!.Sharpness).toBeGreaterThan(50);
    expect(face).not.toHaveProperty('AgeRange');
  });

  it('reads a portrait turned a quarter either way as a roll near 90 degrees, still frontal, and indexes it past the HIGH quality filter', async () => {
    await sim.client.send(new CreateCollectionCommand({ CollectionId: 'turned' }));
    for (const [turn, roll] of [[90, 90], [270, -90]] as const) {
      const turned = await sharp(photos.collins).rotate(turn).jpeg().toBuffer();

      const [face] = (await sim.client.send(new DetectFacesCommand({ Image: bytes(turned) }))).FaceDetails!;
      const indexed = await sim.client.send(new IndexFacesCommand({ CollectionId: 'turned', Image: bytes(turned), QualityFilter: 'HIGH' }));

      // Human's own angles read 82 / 107 / 107 for the quarter turn: refused as EXTREME_POSE.
      expect(Math.abs(face!.Pose!.Roll! - roll), `roll after ${turn}`).toBeLessThan(20);
      expect(Math.abs(face!.Pose!.Yaw!), `yaw after ${turn}`).toBeLessThan(25);
      expect(Math.abs(face!.Pose!.Pitch!), `pitch after ${turn}`).toBeLessThan(25);
      expect(indexed.UnindexedFaces, `after ${turn}`).toEqual([]);
      expect(indexed.FaceRecords).toHaveLength(1);
    }
  });

  it('with Attributes ALL adds what the models estimate, and all 30 landmarks', async () => {
    const { FaceDetails } = await sim.client.send(new DetectFacesCommand({ Image: bytes(photos.collins), Attributes: ['ALL'] }));
    const [face] = FaceDetails!;

    expect(face.Landmarks).toHaveLength(30);
    expect(face.AgeRange!.Low).toBeLessThan(face.AgeRange!.High!);
    expect(face.Gender!.Value).toMatch(/^(Male|Female)$/);
    // The probability of the value named: 35 here before, Human's own score read as a percentage.
    expect(face.Gender!.Confidence).toBeGreaterThanOrEqual(50);
    expect(face.EyesOpen!.Value).toBe(true);
    // She smiles in this photograph.
    expect(face.Smile!.Value).toBe(true);
    expect(face.Emotions![0].Type).toBe('HAPPY');
    expect(face.Emotions!.map((emotion) => emotion.Type)).not.toContain('CONFUSED');
    // No model here says anything about these, so they are absent rather than invented.
    for (const missing of ['Beard', 'Mustache', 'Eyeglasses', 'Sunglasses', 'FaceOccluded', 'EyeDirection']) expect(face).not.toHaveProperty(missing);
  });

  it('gives every face of a group photograph, largest first', async () => {
    // Messi's face is small in his photograph: his tile is a crop around it.
    const messiFace = await sharp(photos.messi).extract({ left: 150, top: 30, width: 180, height: 180 }).toBuffer();
    const group = await groupPhoto([photos.collins, photos.hopper, messiFace]);
    const { FaceDetails } = await sim.client.send(new DetectFacesCommand({ Image: bytes(group) }));

    expect(FaceDetails).toHaveLength(3);
    const lefts = FaceDetails!.map((face) => face.BoundingBox!.Left!).sort((left, right) => left - right);
    expect(lefts[0]).toBeLessThan(1 / 3);
    expect(lefts[1]).toBeGreaterThan(1 / 3);
    expect(lefts[2]).toBeGreaterThan(2 / 3);
  });

  it('finds no face in a cat, a cup of coffee, a rocket launch or a house', async () => {
    for (const name of ['no-face-cat.jpg', 'no-face-coffee.jpg', 'no-face-rocket-launch.jpg', 'no-face-house.jpg']) {
      const { FaceDetails } = await sim.client.send(new DetectFacesCommand({ Image: bytes(realPhoto(name)) }));
      expect({ name, faces: FaceDetails }).toEqual({ name, faces: [] });
    }
  });

  it('with Attributes ALL gives a synthetic face the attributes its species makes certain', async () => {
    const { FaceDetails } = await sim.client.send(new DetectFacesCommand({ Image: bytes(await generateFace({ seed: 'alice' })), Attributes: ['ALL'] }));
    const [face] = FaceDetails!;

    expect(face.EyesOpen).toEqual({ Value: true, Confidence: 99.9 });
    expect(face.Eyeglasses!.Value).toBe(false);
    expect(face.Sunglasses!.Value).toBe(false);
    expect(face.FaceOccluded!.Value).toBe(false);
    expect(face).not.toHaveProperty('AgeRange');
  });
});

describe('IndexFaces and search with real faces', () => {
  it('finds the same person in another shot at the default threshold 95 and nobody else', async () => {
    await sim.client.send(new CreateCollectionCommand({ CollectionId: 'people' }));
    const enrolled: Record<string, string> = {};
    for (const name of ['collins', 'hopper', 'messi', 'player'] as const) {
      const indexed = await sim.client.send(new IndexFacesCommand({ CollectionId: 'people', Image: bytes(photos[name]), ExternalImageId: name }));
      expect(indexed.FaceRecords).toHaveLength(1);
      enrolled[name] = indexed.FaceRecords![0].Face!.FaceId!;
    }

    for (const [probe, person] of [
      ['collinsAgain', 'collins'],
      ['hopperAgain', 'hopper'],
      ['playerAgain', 'player'],
    ] as const) {
      const { FaceMatches } = await sim.client.send(new SearchFacesByImageCommand({ CollectionId: 'people', Image: bytes(photos[probe]), FaceMatchThreshold: 95 }));
      expect(FaceMatches!.map((match) => match.Face!.ExternalImageId)).toEqual([person]);
      expect(FaceMatches![0].Similarity).toBeGreaterThanOrEqual(95);
    }

    const { FaceMatches } = await sim.client.send(new SearchFacesCommand({ CollectionId: 'people', FaceId: enrolled.collins, FaceMatchThreshold: 95 }));
    expect(FaceMatches).toEqual([]);
  });

  it('never matches a real face with a synthetic one, whatever the threshold', async () => {
    await sim.client.send(new CreateCollectionCommand({ CollectionId: 'mixed' }));
    const real = await sim.client.send(new IndexFacesCommand({ CollectionId: 'mixed', Image: bytes(photos.collins), ExternalImageId: 'real' }));
    await sim.client.send(new IndexFacesCommand({ CollectionId: 'mixed', Image: bytes(await generateFace({ seed: 'alice' })), ExternalImageId: 'synthetic' }));

    const fromReal = await sim.client.send(new SearchFacesCommand({ CollectionId: 'mixed', FaceId: real.FaceRecords![0].Face!.FaceId, FaceMatchThreshold: 0 }));
    const fromSynthetic = await sim.client.send(new SearchFacesByImageCommand({ CollectionId: 'mixed', Image: bytes(await generateFace({ seed: 'alice', variant: 1 })), FaceMatchThreshold: 0 }));
    const compared = await sim.client.send(new CompareFacesCommand({ SourceImage: bytes(photos.collins), TargetImage: bytes(await generateFace({ seed: 'alice' })), SimilarityThreshold: 0 }));

    expect(fromReal.FaceMatches).toEqual([]);
    expect(fromSynthetic.FaceMatches!.map((match) => match.Face!.ExternalImageId)).toEqual(['synthetic']);
    expect(compared.FaceMatches).toEqual([]);
  });

  it('compares two shots of the same person above 95 and two people below', async () => {
    const same = await sim.client.send(new CompareFacesCommand({ SourceImage: bytes(photos.hopper), TargetImage: bytes(photos.hopperAgain), SimilarityThreshold: 0 }));
    const different = await sim.client.send(new CompareFacesCommand({ SourceImage: bytes(photos.hopper), TargetImage: bytes(photos.collins), SimilarityThreshold: 0 }));

    expect(same.FaceMatches![0].Similarity).toBeGreaterThanOrEqual(95);
    expect(different.FaceMatches![0].Similarity).toBeLessThan(95);
  });

  it('keeps real faces searchable after a restart without loading the model', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'facekit-real-faces-'));
    try {
      const before = await startSim({ dataDir });
      await before.client.send(new CreateCollectionCommand({ CollectionId: 'kept' }));
      const collins = await before.client.send(new IndexFacesCommand({ CollectionId: 'kept', Image: bytes(photos.collins) }));
      const again = await before.client.send(new IndexFacesCommand({ CollectionId: 'kept', Image: bytes(photos.collinsAgain) }));
      await before.client.send(new IndexFacesCommand({ CollectionId: 'kept', Image: bytes(photos.hopper) }));

      const after = await startSim({ store: new CollectionStore(dataDir), neuralModel: new NeuralFaceModel({ enabled: false }) });
      const { FaceMatches } = await after.client.send(new SearchFacesCommand({ CollectionId: 'kept', FaceId: collins.FaceRecords![0].Face!.FaceId, FaceMatchThreshold: 95 }));

      expect(FaceMatches!.map((match) => match.Face!.FaceId)).toEqual([again.FaceRecords![0].Face!.FaceId]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('IndexFaces QualityFilter on real faces', () => {
  it('refuses an underexposed face as LOW_BRIGHTNESS', async () => {
    await sim.client.send(new CreateCollectionCommand({ CollectionId: 'quality' }));
    const dark = await sharp(photos.hopper).linear(0.3, 0).jpeg({ quality: 95 }).toBuffer();
    const indexed = await sim.client.send(new IndexFacesCommand({ CollectionId: 'quality', Image: bytes(dark) }));

    expect(indexed.FaceRecords).toEqual([]);
    expect(indexed.UnindexedFaces![0].Reasons).toContain('LOW_BRIGHTNESS');
  });

  it('indexes faces that read darker in ordinary light under QualityFilter HIGH, as enrolment uses, and finds them again', async () => {
    // Mean luma reads skin tone as much as light: a normally exposed portrait reads about 33, the
    // same portrait at 65 % exposure about 27, and the model still recognises both.
    await sim.client.send(new CreateCollectionCommand({ CollectionId: 'ordinary-light' }));
    const dimmer = await sharp(photos.hopper).linear(0.65, 0).jpeg({ quality: 90 }).toBuffer();
    for (const [name, photo] of [['messi', photos.messi], ['hopper-dimmer', dimmer]] as const) {
      const indexed = await sim.client.send(new IndexFacesCommand({ CollectionId: 'ordinary-light', Image: bytes(photo), QualityFilter: 'HIGH', ExternalImageId: name }));
      expect(indexed.FaceRecords![0].FaceDetail!.Quality!.Brightness).toBeGreaterThan(20);
      expect(indexed.FaceRecords![0].FaceDetail!.Quality!.Brightness).toBeLessThan(35);
      expect(indexed.UnindexedFaces).toEqual([]);
    }
    const { FaceMatches } = await sim.client.send(new SearchFacesByImageCommand({ CollectionId: 'ordinary-light', Image: bytes(photos.hopper), FaceMatchThreshold: 95 }));
    expect(FaceMatches!.map((match) => match.Face!.ExternalImageId)).toEqual(['hopper-dimmer']);
  });

  it('refuses an out-of-focus face as LOW_SHARPNESS', async () => {
    const blurred = await sharp(photos.collins).blur(2.5).jpeg({ quality: 95 }).toBuffer();
    const indexed = await sim.client.send(new IndexFacesCommand({ CollectionId: 'quality', Image: bytes(blurred) }));

    expect(indexed.FaceRecords).toEqual([]);
    expect(indexed.UnindexedFaces![0].Reasons).toContain('LOW_SHARPNESS');
  });

  it('refuses a face too few pixels wide as SMALL_BOUNDING_BOX', async () => {
    const far = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#7a7a7a' } })
      .composite([{ input: await sharp(photos.collins).resize(90).toBuffer(), left: 40, top: 40 }])
      .jpeg({ quality: 95 })
      .toBuffer();
    const indexed = await sim.client.send(new IndexFacesCommand({ CollectionId: 'quality', Image: bytes(far), QualityFilter: 'LOW' }));

    expect(indexed.FaceRecords).toEqual([]);
    expect(indexed.UnindexedFaces![0].Reasons).toContain('SMALL_BOUNDING_BOX');
  });

  it('keeps the largest faces of a group photograph under MaxFaces and reports the rest as EXCEEDS_MAX_FACES', async () => {
    const group = await groupPhoto([photos.collins, photos.hopper]);
    const indexed = await sim.client.send(new IndexFacesCommand({ CollectionId: 'quality', Image: bytes(group), MaxFaces: 1 }));

    expect(indexed.FaceRecords).toHaveLength(1);
    expect(indexed.UnindexedFaces!.map((face) => face.Reasons)).toEqual([['EXCEEDS_MAX_FACES']]);
  });
});

describe('a model loaded on first use (as npm start does)', () => {
  it('is not loaded by synthetic pictures, and the first real picture loads it and waits for it', async () => {
    const lazy = new NeuralFaceModel();
    const started = lazy.loadStarted().then(() => lazy.status);
    const kit = await startSim({ neuralModel: lazy });

    const synthetic = await kit.client.send(new DetectFacesCommand({ Image: bytes(await generateFace({ seed: 'alice' })) }));
    const statusAfterSynthetic = lazy.status;
    const real = await kit.client.send(new DetectFacesCommand({ Image: bytes(photos.collins) }));

    expect(synthetic.FaceDetails).toHaveLength(1);
    expect(statusAfterSynthetic).toBe('not loaded');
    expect(await started).not.toBe('not loaded');
    expect(real.FaceDetails).toHaveLength(1);
    expect([lazy.status, lazy.loads]).toEqual(['ready', 1]);
  });
});

describe('a model that cannot load', () => {
  it('leaves the synthetic path working and real pictures without a face', async () => {
    const broken = new NeuralFaceModel({ modelsFolder: '/nowhere' });
    await expect(broken.load()).rejects.toThrow('face models not loaded from /nowhere');
    const degraded = await startSim({ neuralModel: broken });

    const synthetic = await degraded.client.send(new DetectFacesCommand({ Image: bytes(await generateFace({ seed: 'alice' })) }));
    const real = await degraded.client.send(new DetectFacesCommand({ Image: bytes(photos.collins) }));

    expect(broken.status).toBe('failed');
    expect(synthetic.FaceDetails).toHaveLength(1);
    expect(real.FaceDetails).toEqual([]);
  });

  it('says so in AWS terms when a real picture is searched', async () => {
    const off = await startSim({ neuralModel: new NeuralFaceModel({ enabled: false }) });
    await off.client.send(new CreateCollectionCommand({ CollectionId: 'off' }));
    expect(await failureOf(off.client.send(new SearchFacesByImageCommand({ CollectionId: 'off', Image: bytes(photos.collins) })))).toEqual({
      name: 'InvalidParameterException',
      message: 'There are no faces in the image. Should be at least 1.',
    });
  });
});
