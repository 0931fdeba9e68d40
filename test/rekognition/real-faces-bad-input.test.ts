// Awkward pictures on the neural path: each gets Rekognition's answer (a face, or its error), never
// a crash or a hang. Real photographs from test/fixtures/real-faces, transformed with sharp.
import { DetectFacesCommand, RekognitionClient, type Image } from '@aws-sdk/client-rekognition';
import Fastify, { type FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerJsonServices } from '../../sim/aws-json-protocol.js';
import { realPhoto } from '../../sim/faces/real-face-shots.js';
import { NeuralMatcher } from '../../sim/rekognition/matcher/neural-matcher.js';
import type { NeuralFaceModel } from '../../sim/rekognition/matcher/neural-model.js';
import type { RgbRaster } from '../../sim/rekognition/matcher/raster.js';
import { createRekognitionService } from '../../sim/rekognition/service.js';

let app: FastifyInstance;
let client: RekognitionClient;
const collins = realPhoto('eileen-collins.jpg');
const bytes = (buffer: Buffer): Image => ({ Bytes: new Uint8Array(buffer) });

async function facesIn(picture: Buffer) {
  return (await client.send(new DetectFacesCommand({ Image: bytes(picture) }))).FaceDetails!;
}

async function failure(picture: Buffer): Promise<{ name: string; message: string }> {
  try {
    await client.send(new DetectFacesCommand({ Image: bytes(picture) }));
  } catch (error) {
    return { name: (error as Error).name, message: (error as Error).message };
  }
  throw new Error('expected DetectFaces to fail');
}

beforeAll(async () => {
  app = Fastify();
  registerJsonServices(app, [createRekognitionService()]);
  const endpoint = await app.listen({ port: 0, host: '127.0.0.1' });
  client = new RekognitionClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
});

afterAll(async () => {
  client.destroy();
  await app.close();
});

describe('awkward pictures of a real face', () => {
  it('reads a CMYK JPEG', async () => {
    const cmyk = await sharp(collins).toColourspace('cmyk').jpeg({ quality: 90 }).toBuffer();
    expect((await sharp(cmyk).metadata()).space).toBe('cmyk');
    expect(await facesIn(cmyk)).toHaveLength(1);
  });

  it('reads a greyscale JPEG', async () => {
    expect(await facesIn(await sharp(collins).greyscale().jpeg().toBuffer())).toHaveLength(1);
  });

  it('reads a 16-bit PNG with alpha', async () => {
    const deep = await sharp(collins).ensureAlpha().toColourspace('rgb16').png().toBuffer();
    expect((await sharp(deep).metadata()).depth).toBe('ushort');
    expect(await facesIn(deep)).toHaveLength(1);
  });

  it('applies the EXIF orientation: a sideways-stored photo gives the upright face box', async () => {
    // Pixels stored turned 90° counter-clockwise; orientation 6 tells viewers to turn them back.
    const stored = await sharp(collins).rotate(-90).withMetadata({ orientation: 6 }).jpeg({ quality: 95 }).toBuffer();
    const [upright] = await facesIn(collins);
    const [turned] = await facesIn(stored);
    for (const side of ['Left', 'Top', 'Width', 'Height'] as const) expect(turned.BoundingBox![side]).toBeCloseTo(upright.BoundingBox![side]!, 1);
    expect(Math.abs(turned.Pose!.Roll! - upright.Pose!.Roll!)).toBeLessThan(5);
  });

  it('finds the face in a 4000 px photo (shrunk for the model; boxes stay ratios)', async () => {
    const large = await sharp(collins).resize(4000).jpeg({ quality: 60 }).toBuffer();
    const [face] = await facesIn(large);
    const [original] = await facesIn(collins);
    expect(face.BoundingBox!.Left).toBeCloseTo(original.BoundingBox!.Left!, 1);
  }, 60_000);

  // 38 MB copied to the thread and resized there for each large picture: four at once took the
  // kit to 1.7 GB (attacker audit).
  it('hands the model thread a large picture already shrunk to the side the model reads, and a small one as it is', async () => {
    const seen: number[][] = [];
    const model = { detect: async (raster: RgbRaster) => (seen.push([raster.width, raster.height, raster.pixels.length]), []) };
    const matcher = new NeuralMatcher(model as unknown as NeuralFaceModel);

    await matcher.findFaces({ width: 3000, height: 2000, pixels: new Uint8Array(3000 * 2000 * 3) });
    await matcher.findFaces({ width: 640, height: 480, pixels: new Uint8Array(640 * 480 * 3) });

    expect(seen).toEqual([[1024, 683, 1024 * 683 * 3], [640, 480, 640 * 480 * 3]]);
  });

  it('answers a 10,000 x 100 picture (the largest side allowed) with no face', async () => {
    const strip = await sharp({ create: { width: 10_000, height: 100, channels: 3, background: '#8a7a6a' } }).png().toBuffer();
    expect(await facesIn(strip)).toEqual([]);
  }, 60_000);

  it('refuses a truncated JPEG as InvalidImageFormatException', async () => {
    expect(await failure(collins.subarray(0, Math.floor(collins.length / 2)))).toEqual({
      name: 'InvalidImageFormatException',
      message: 'Request has invalid image format.',
    });
  });

  it('refuses a 1 x 1 picture as InvalidParameterException', async () => {
    const dot = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#000' } }).png().toBuffer();
    expect(await failure(dot)).toEqual({ name: 'InvalidParameterException', message: 'Request has invalid parameters.' });
  });

  it('refuses more than 5 MB of bytes as ImageTooLargeException', async () => {
    const padded = Buffer.concat([collins, Buffer.alloc(5_242_881 - collins.length)]);
    expect(await failure(padded)).toEqual({ name: 'ImageTooLargeException', message: 'Image size is too large.' });
  });

  it('refuses a picture wider than 10,000 pixels as ImageTooLargeException', async () => {
    const wide = await sharp({ create: { width: 10_001, height: 90, channels: 3, background: '#336699' } }).png().toBuffer();
    expect(await failure(wide)).toEqual({ name: 'ImageTooLargeException', message: 'Image size is too large.' });
  });
});
