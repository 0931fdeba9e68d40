// Detection rules of the face model, one behaviour per test (see docs/rekognition.md).
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { featureDecoys, generateFace, renderScene } from '../../sim/faces/generate-face.js';
import { reasonsUnder } from '../../sim/rekognition/face-detail.js';
import { decodeImage } from '../../sim/rekognition/matcher/decode-image.js';
import { detectFaces } from '../../sim/rekognition/matcher/detect-faces.js';
import { hammingDistance } from '../../sim/rekognition/matcher/face-hash.js';

async function facesIn(picture: Buffer) {
  return detectFaces(await decodeImage(picture));
}

describe('detectFaces', () => {
  it('places the bounding box and eye landmarks where the face was drawn', async () => {
    // 480 px picture, eye distance 96 px, eyes centred horizontally at y = 240 - 0.35 * 96.
    const [face] = await facesIn(await generateFace({ seed: 'placed' }));

    const [leftEye, rightEye] = face.landmarks;
    expect(leftEye).toMatchObject({ Type: 'eyeLeft', X: expect.closeTo(192 / 480, 2), Y: expect.closeTo(206.4 / 480, 2) });
    expect(rightEye).toMatchObject({ Type: 'eyeRight', X: expect.closeTo(288 / 480, 2), Y: expect.closeTo(206.4 / 480, 2) });
    // The face ellipse is 2 x 96 px wide and 2.8 x 96 px tall, centred in the picture.
    expect(face.boundingBox.Width).toBeCloseTo(192 / 480, 1);
    expect(face.boundingBox.Height).toBeCloseTo(268.8 / 480, 1);
    expect(face.boundingBox.Left).toBeCloseTo((240 - 96) / 480, 1);
    expect(face.reasons).toEqual([]);
  });

  it('finds a face upside down and reads the same identity', async () => {
    const [upright] = await facesIn(await generateFace({ seed: 'turned' }));
    const [upsideDown] = await facesIn(await generateFace({ seed: 'turned', rollDegrees: 170 }));

    expect(Math.abs(upsideDown.pose.Roll)).toBeGreaterThan(165);
    expect(hammingDistance(upright.hash, 0, upsideDown.hash, 0)).toBe(0);
  });

  it('takes a skin ellipse with eyes and mouth for a face, but not without the mouth, nor a skin rectangle or disc', async () => {
    const skin = [220, 180, 150] as const;
    const scene = (shape: 'ellipse' | 'rectangle', halfWidth: number, halfHeight: number, withMouth: boolean) =>
      renderScene({
        width: 320,
        height: 320,
        background: [[70, 110, 170], [30, 60, 110]],
        faces: [],
        decoys: [{ shape, centerX: 160, centerY: 160, halfWidth, halfHeight, color: skin }, ...featureDecoys(160, 160, 70, withMouth)],
      });

    expect(await facesIn(await scene('ellipse', 70, 98, true))).toHaveLength(1);
    expect(await facesIn(await scene('ellipse', 70, 98, false))).toEqual([]);
    expect(await facesIn(await scene('rectangle', 70, 98, true))).toEqual([]);
    expect(await facesIn(await scene('ellipse', 77, 77, true))).toEqual([]);
  });

  it('does not take a skin-coloured ellipse without eyes and mouth for a face', async () => {
    const picture = await renderScene({
      width: 320,
      height: 320,
      background: [[70, 110, 170], [30, 60, 110]],
      faces: [],
      decoys: [{ shape: 'ellipse', centerX: 160, centerY: 160, halfWidth: 70, halfHeight: 98, color: [220, 180, 150] }],
    });
    expect(await facesIn(picture)).toEqual([]);
  });

  it('flags a small face as SMALL_BOUNDING_BOX', async () => {
    const [face] = await facesIn(await generateFace({ seed: 'far-away', faceScale: 0.05 }));
    expect(face.reasons).toEqual(['SMALL_BOUNDING_BOX']);
  });

  it('flags a head turned far sideways as EXTREME_POSE', async () => {
    const [face] = await facesIn(await generateFace({ seed: 'profile', yawDegrees: 60 }));
    expect(face.pose.Yaw).toBeGreaterThan(45);
    expect(face.reasons).toEqual(['EXTREME_POSE']);
  });

  it('flags an out-of-focus face as LOW_SHARPNESS, and keeps it under QualityFilter LOW', async () => {
    const [face] = await facesIn(await generateFace({ seed: 'blurry', camera: { blur: 12 } }));
    expect(face.quality.Sharpness).toBeLessThan(50);
    expect(face.reasons).toEqual(['LOW_SHARPNESS']);
    expect(reasonsUnder(face, 'LOW')).toEqual([]);
  });

  it('flags an underexposed face as LOW_BRIGHTNESS', async () => {
    const [face] = await facesIn(await generateFace({ seed: 'night', camera: { brightness: -100, contrast: 0.6 } }));
    expect(face.quality.Brightness).toBeLessThan(20);
    expect(face.reasons).toEqual(['LOW_BRIGHTNESS']);
  });

  it('holds a fair face to the stricter bar of QualityFilter HIGH', async () => {
    const [face] = await facesIn(await generateFace({ seed: 'dim', yawDegrees: 35 }));
    expect(reasonsUnder(face, 'AUTO')).toEqual([]);
    expect(reasonsUnder(face, 'HIGH')).toEqual(['EXTREME_POSE']);
  });

  it('holds no stricter brightness bar under QualityFilter HIGH: a dim face that passes the standard rules passes HIGH', async () => {
    const [face] = await facesIn(await generateFace({ seed: 'dusk', camera: { brightness: -90 } }));
    expect(face.quality.Brightness).toBeGreaterThan(20);
    expect(face.quality.Brightness).toBeLessThan(35);
    expect(reasonsUnder(face, 'HIGH')).toEqual([]);
  });

  it('reads greyscale and PNG-with-alpha pictures', async () => {
    const colour = await generateFace({ seed: 'formats' });
    const withAlpha = await sharp(colour).ensureAlpha().png().toBuffer();
    const grey = await sharp(colour).greyscale().jpeg().toBuffer();

    expect(await facesIn(withAlpha)).toHaveLength(1);
    // Without colour there is no skin hue: no face, and no crash.
    expect(await facesIn(grey)).toEqual([]);
  });
});
