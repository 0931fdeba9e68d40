// The faces of a picture found ahead, as the embedded S3 stores it (sim/rekognition/picture-faces.ts):
// a request for that picture answers what it would have found itself, takes the work once, and
// fails a bad picture as it would have; the work ahead is skipped where it would cost for nothing.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { generateFixture } from '../../sim/faces/generate-face.js';
import { FaceFinder } from '../../sim/rekognition/face-finder.js';
import { ImageInput } from '../../sim/rekognition/image-input.js';
import type { RgbRaster } from '../../sim/rekognition/matcher/raster.js';
import { NeuralFaceModel } from '../../sim/rekognition/matcher/neural-model.js';
import { syntheticMatcher } from '../../sim/rekognition/matcher/synthetic-matcher.js';
import { PictureFaces, type PictureFacesOptions } from '../../sim/rekognition/picture-faces.js';

const NEEDS = { descriptors: true, attributes: false } as const;

class CountedDecodes extends ImageInput {
  decodes = 0;

  override async decode(bytes: Uint8Array, budget?: { maxPixels?: number }): Promise<RgbRaster> {
    this.decodes += 1;
    return super.decode(bytes, budget);
  }
}

function picturesOf(objects: Record<string, Uint8Array>, options?: PictureFacesOptions) {
  const images = new CountedDecodes({ readObject: async (_bucket, key) => objects[key] });
  const finder = new FaceFinder(new NeuralFaceModel({ enabled: false }));
  const findFaces = vi.spyOn(finder, 'findFaces');
  return { images, findFaces, pictures: new PictureFaces(images, finder, options) };
}

const stored = (key: string) => ({ S3Object: { Bucket: 'uploads', Name: key } });

/** Long enough for work that would have started to show (it starts on the next turn). */
const aTurnLater = () => new Promise((done) => setTimeout(done, 30));

afterEach(() => {
  vi.restoreAllMocks();
});

describe('faces found ahead of the request', () => {
  it('answers a stored picture with the faces found ahead, the same as the request finds on its own', async () => {
    const photo = await generateFixture('face', 'ahead-1', 1);
    const ahead = picturesOf({ photo });
    const alone = picturesOf({ photo });
    ahead.pictures.noticeStored(photo);
    const faces = await ahead.pictures.facesIn(stored('photo'), 'us-east-1', NEEDS);
    expect(ahead.findFaces).not.toHaveBeenCalled();
    expect(ahead.images.decodes).toBe(1);
    expect(faces).toHaveLength(1);
    expect(faces).toEqual(await alone.pictures.facesIn(stored('photo'), 'us-east-1', NEEDS));
    expect(alone.findFaces).toHaveBeenCalledTimes(1);
  });

  it('takes what it found once: a second request for the same picture finds its faces itself', async () => {
    const photo = await generateFixture('face', 'ahead-2', 1);
    const { pictures, findFaces } = picturesOf({ photo });
    pictures.noticeStored(photo);
    const first = await pictures.facesIn(stored('photo'), 'us-east-1', NEEDS);
    const second = await pictures.facesIn(stored('photo'), 'us-east-1', NEEDS);
    expect(findFaces).toHaveBeenCalledTimes(1);
    expect(second).toEqual(first);
    expect(second[0]).not.toBe(first[0]);
  });

  it('finds nothing ahead for other bytes under the same name: the picture is known by its content', async () => {
    const photo = await generateFixture('face', 'ahead-3', 1);
    const other = await generateFixture('face', 'ahead-3b', 1);
    const { pictures, findFaces } = picturesOf({ photo: other });
    pictures.noticeStored(photo);
    const faces = await pictures.facesIn(stored('photo'), 'us-east-1', NEEDS);
    expect(findFaces).toHaveBeenCalledTimes(1);
    expect(faces).toEqual(await picturesOf({ photo: other }).pictures.facesIn(stored('photo'), 'us-east-1', NEEDS));
  });

  it('fails a stored picture that fails a check as the request alone fails it', async () => {
    const small = await generateFixture('too-small', 'ahead-4');
    const broken = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(600, 7)]);
    for (const [name, bytes, error] of [['small', small, 'InvalidParameterException'], ['broken', broken, 'InvalidImageFormatException']] as const) {
      const { pictures, images } = picturesOf({ [name]: bytes });
      pictures.noticeStored(bytes);
      await expect(pictures.facesIn(stored(name), 'us-east-1', NEEDS)).rejects.toMatchObject({ name: error });
      // Once ahead, once in the request: the request reports what the work ahead found.
      expect(images.decodes).toBe(2);
      await expect(picturesOf({ [name]: bytes }).pictures.facesIn(stored(name), 'us-east-1', NEEDS)).rejects.toMatchObject({ name: error });
    }
  });

  it('spares a picture without a synthetic face a second synthetic pass', async () => {
    const landscape = await generateFixture('no-face', 'ahead-5');
    const { pictures, findFaces } = picturesOf({ landscape });
    const synthetic = vi.spyOn(syntheticMatcher, 'findFaces');
    pictures.noticeStored(landscape);
    expect(await pictures.facesIn(stored('landscape'), 'us-east-1', NEEDS)).toEqual([]);
    expect(synthetic).toHaveBeenCalledTimes(1);
    expect(findFaces).toHaveBeenCalledWith(expect.anything(), NEEDS, { syntheticFaces: [] });
  });

  it('looks at nothing that is not a JPEG or PNG, or larger than its cap', async () => {
    const photo = await generateFixture('face', 'ahead-6', 1);
    const { pictures, images } = picturesOf({}, { maxAheadBytes: photo.length - 1 });
    pictures.noticeStored(photo);
    pictures.noticeStored(Buffer.from('not a picture at all, but long enough to be one'));
    await aTurnLater();
    expect(images.decodes).toBe(0);
    const capped = picturesOf({ photo }, { maxAheadBytes: photo.length });
    capped.pictures.noticeStored(photo);
    await capped.pictures.facesIn(stored('photo'), 'us-east-1', NEEDS);
    expect(capped.findFaces).not.toHaveBeenCalled();
  });

  it('decodes nothing ahead past its pixel budget (a small file can declare 10,000 x 10,000 pixels)', async () => {
    const photo = await generateFixture('face', 'ahead-10', 1);
    const { width, height } = await new ImageInput(undefined).decode(photo);
    const over = picturesOf({ photo }, { maxAheadPixels: width * height - 1 });
    over.pictures.noticeStored(photo);
    const faces = await over.pictures.facesIn(stored('photo'), 'us-east-1', NEEDS);
    expect(over.findFaces).toHaveBeenCalledTimes(1);
    expect(faces).toHaveLength(1);
    const within = picturesOf({ photo }, { maxAheadPixels: width * height });
    within.pictures.noticeStored(photo);
    await within.pictures.facesIn(stored('photo'), 'us-east-1', NEEDS);
    expect(within.findFaces).not.toHaveBeenCalled();
  });

  it('looks at a picture stored twice while its faces wait once', async () => {
    const photo = await generateFixture('face', 'ahead-9', 1);
    const { pictures, images, findFaces } = picturesOf({ photo });
    pictures.noticeStored(photo);
    pictures.noticeStored(photo);
    await pictures.facesIn(stored('photo'), 'us-east-1', NEEDS);
    await aTurnLater();
    expect(images.decodes).toBe(1);
    expect(findFaces).not.toHaveBeenCalled();
  });

  it('looks at no more than maxAheadAtOnce pictures at a time', async () => {
    const first = await generateFixture('face', 'ahead-7', 1);
    const second = await generateFixture('face', 'ahead-7b', 1);
    const { pictures, images, findFaces } = picturesOf({ first, second }, { maxAheadAtOnce: 1 });
    pictures.noticeStored(first);
    pictures.noticeStored(second);
    await pictures.facesIn(stored('first'), 'us-east-1', NEEDS);
    expect(images.decodes).toBe(1);
    await pictures.facesIn(stored('second'), 'us-east-1', NEEDS);
    expect(findFaces).toHaveBeenCalledTimes(1);
    // The first one is done: the next picture is looked at again.
    const third = await generateFixture('face', 'ahead-7c', 1);
    pictures.noticeStored(third);
    await vi.waitFor(() => expect(images.decodes).toBe(3));
  });

  it('keeps at most maxKept results, the oldest going first', async () => {
    const older = await generateFixture('face', 'ahead-8', 1);
    const newer = await generateFixture('face', 'ahead-8b', 1);
    const { pictures, findFaces } = picturesOf({ older, newer }, { maxKept: 1 });
    pictures.noticeStored(older);
    pictures.noticeStored(newer);
    await pictures.facesIn(stored('newer'), 'us-east-1', NEEDS);
    expect(findFaces).not.toHaveBeenCalled();
    await pictures.facesIn(stored('older'), 'us-east-1', NEEDS);
    expect(findFaces).toHaveBeenCalledTimes(1);
  });
});
