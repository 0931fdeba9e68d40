// Decoding bounds the pixels a picture costs: a small file may declare a huge picture.
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { generateFace } from '../../sim/faces/generate-face.js';
import { MAX_DECODED_PIXELS, MAX_WHOLE_PICTURE_BYTES, decodeImage, decodedSize, readImageHeader, wholePictureBytes, wholePictureDecodes } from '../../sim/rekognition/matcher/decode-image.js';
import { detectFaces } from '../../sim/rekognition/matcher/detect-faces.js';
import { withJpegSize } from './declared-size.js';

describe('decoding a picture', () => {
  it('keeps a 12-megapixel phone photo at full size and scales larger ones down to the cap, keeping the shape', () => {
    expect(decodedSize(4032, 3024)).toEqual({ width: 4032, height: 3024 });
    expect(decodedSize(4096, 3072)).toEqual({ width: 4096, height: 3072 });
    const square = decodedSize(10_000, 10_000);
    expect(square.width * square.height).toBeLessThanOrEqual(MAX_DECODED_PIXELS);
    expect(square.width).toBeGreaterThan(3500);
    expect(square.width).toBe(square.height);
    const wide = decodedSize(10_000, 5_000);
    expect(wide.width * wide.height).toBeLessThanOrEqual(MAX_DECODED_PIXELS);
    expect(wide.width / wide.height).toBeCloseTo(2, 2);
  });

  it('decodes a 300 KB PNG declaring 10,000 x 10,000 pixels at the cap, not at 300 MB', async () => {
    const bomb = await sharp({ create: { width: 10_000, height: 10_000, channels: 3, background: { r: 200, g: 150, b: 120 } } })
      .png({ compressionLevel: 9 })
      .toBuffer();
    expect(bomb.length).toBeLessThan(1_000_000);

    const raster = await decodeImage(bomb);

    expect(raster.width * raster.height).toBeLessThanOrEqual(MAX_DECODED_PIXELS);
    expect(raster.pixels.length).toBe(raster.width * raster.height * 3);
    expect(raster.width).toBe(raster.height);
  }, 60_000);

  it('decodes large progressive JPEGs one at a time, as each holds its whole picture (360 MB for 10,000 x 10,000), and lets baseline ones pass', async () => {
    const tiny = (progressive: boolean) => sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } }).jpeg({ progressive }).toBuffer();
    const progressiveBomb = withJpegSize(await tiny(true), 5000, 5000);
    const baselineBomb = withJpegSize(await tiny(false), 5000, 5000);
    expect((await sharp(progressiveBomb).metadata()).isProgressive).toBe(true);

    await Promise.all([decodeImage(baselineBomb), decodeImage(baselineBomb)]);
    expect(wholePictureDecodes.mostAtOnce).toBe(0);
    const rasters = await Promise.all([decodeImage(progressiveBomb), decodeImage(progressiveBomb), decodeImage(progressiveBomb)]);

    expect(wholePictureDecodes.mostAtOnce).toBe(1);
    for (const raster of rasters) expect(raster.width * raster.height).toBeLessThanOrEqual(MAX_DECODED_PIXELS);
  }, 60_000);

  it('estimates what a picture that cannot stream costs its decoder from its header, by subsampling and bit depth', async () => {
    const pixels = 10_000 * 10_000;
    const small = sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } });
    const headerOf = async (picture: Buffer, format: 'jpeg' | 'png') => readImageHeader(picture, format);
    const progressive420 = await headerOf(withJpegSize(await small.clone().jpeg({ progressive: true }).toBuffer(), 10_000, 10_000), 'jpeg');
    const progressive444 = await headerOf(withJpegSize(await small.clone().jpeg({ progressive: true, chromaSubsampling: '4:4:4' }).toBuffer(), 10_000, 10_000), 'jpeg');
    const progressiveCmyk = await headerOf(withJpegSize(await small.clone().toColourspace('cmyk').jpeg({ progressive: true, chromaSubsampling: '4:4:4' }).toBuffer(), 10_000, 10_000), 'jpeg');
    const baseline = await headerOf(withJpegSize(await small.clone().jpeg().toBuffer(), 10_000, 10_000), 'jpeg');

    // What the audit measured for these: 365, 615 and 780 MB; a baseline picture streams.
    expect([progressive420, progressive444, progressiveCmyk, baseline].map((header) => header.wholePictureBytes)).toEqual([3, 6, 8, 0].map((bytes) => bytes * pixels));
    expect(progressive420.wholePictureBytes).toBeLessThan(MAX_WHOLE_PICTURE_BYTES);
    expect(progressive444.wholePictureBytes).toBeGreaterThan(MAX_WHOLE_PICTURE_BYTES);
    // An interlaced PNG holds its rows at their depth: 16-bit RGBA is 8 bytes a pixel (930 MB measured).
    expect(wholePictureBytes(pixels, { format: 'png', channels: 4, depth: 'ushort' })).toBe(8 * pixels);
    expect(wholePictureBytes(pixels, { format: 'png', channels: 3, depth: 'uchar' })).toBe(3 * pixels);
    const interlaced16 = await headerOf(await small.clone().ensureAlpha().toColourspace('rgb16').png({ progressive: true }).toBuffer(), 'png');
    expect(interlaced16.wholePictureBytes).toBe(8 * 64 * 64);
  });

  it('finds the same face, in the same place, in a picture scaled up past the cap', async () => {
    const photo = await generateFace({ seed: 'large-picture', size: 480 });
    const large = await sharp(photo).resize(5000, 5000, { kernel: 'nearest' }).jpeg({ quality: 90 }).toBuffer();

    const [small] = detectFaces(await decodeImage(photo));
    const found = detectFaces(await decodeImage(large));

    expect(found).toHaveLength(1);
    for (const side of ['Left', 'Top', 'Width', 'Height'] as const) {
      expect(found[0]!.boundingBox[side], side).toBeCloseTo(small!.boundingBox[side], 1);
    }
  }, 60_000);
});
