// Changes made to a finished photograph, the way a phone, a browser or a person changes it after
// the camera: turned, cropped, rescaled, re-tinted, partly covered, recompressed, blurred. They are
// applied with sharp to the JPEG bytes and know nothing of how the species is drawn, so a matcher
// that survives them recognises a face, not the generator's own brush strokes
// (sim/faces/transform-evaluation.ts measures it). Parameters come from a SeededRandom per
// (transform, photo), never Math.random: the same photo and name give the same bytes.
import sharp, { type OverlayOptions, type Sharp } from 'sharp';
import { SeededRandom } from './seeded-random.js';

/** Where the face is in the photo (pixels), read off the untouched photo by the caller. */
export interface FaceLandmarks {
  eyeLeft: { x: number; y: number };
  eyeRight: { x: number; y: number };
  mouth: { x: number; y: number };
}

export interface PhotoTransform {
  name: string;
  /** What it does, with its parameter ranges, for reports. */
  description: string;
  apply(jpeg: Buffer, face: FaceLandmarks, random: SeededRandom): Promise<Buffer>;
}

const NEUTRAL_GREY = { r: 128, g: 128, b: 128 };

async function sizeOf(jpeg: Buffer): Promise<{ width: number; height: number }> {
  const { width = 0, height = 0 } = await sharp(jpeg).metadata();
  return { width, height };
}

const asJpeg = (image: Sharp, quality = 90) => image.jpeg({ quality }).toBuffer();

/** A signed value whose size lies in [low, high]. */
function eitherSign(random: SeededRandom, low: number, high: number): number {
  const size = random.between(low, high);
  return random.next() < 0.5 ? -size : size;
}

/** Adds per-pixel, per-channel Gaussian-like noise of the given standard deviation. */
async function withNoise(jpeg: Buffer, sigma: number, random: SeededRandom): Promise<Buffer> {
  const { data, info } = await sharp(jpeg).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  for (let index = 0; index < data.length; index++) {
    data[index] = Math.max(0, Math.min(255, Math.round(data[index] + sigma * random.normal())));
  }
  return asJpeg(sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } }));
}

/** A filled rectangle, given in pixels, composited over the photo. */
function rectangleOver(x: number, y: number, width: number, height: number, colour: string): OverlayOptions {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${Math.round(width)}" height="${Math.round(height)}"><rect width="100%" height="100%" fill="${colour}"/></svg>`;
  return { input: Buffer.from(svg), left: Math.round(x), top: Math.round(y) };
}

function eyeDistanceOf(face: FaceLandmarks): number {
  return Math.hypot(face.eyeRight.x - face.eyeLeft.x, face.eyeRight.y - face.eyeLeft.y);
}

// Occluder colours: things held in front of a face (a phone, a dark sleeve, paper, a mug, a hand).
const OCCLUDER_COLOURS = ['#1e1e22', '#5a5f66', '#f2f2ee', '#2f4f8f', '#c89a78'];

/** A filled rectangle below one eye, outwards from beside the nose, `minWidth`-`maxWidth` eye distances wide. */
function cheekCovered(minWidth: number, maxWidth: number): PhotoTransform['apply'] {
  return async (jpeg, face, random) => {
    const eye = eyeDistanceOf(face);
    const side = random.next() < 0.5 ? face.eyeLeft : face.eyeRight;
    const outward = side === face.eyeLeft ? -1 : 1;
    const width = random.between(minWidth, maxWidth) * eye;
    const height = random.between(0.4, 0.6) * eye;
    const x = side.x + outward * 0.1 * eye - (outward < 0 ? width : 0);
    const y = side.y + random.between(0.25, 0.4) * eye;
    const colour = OCCLUDER_COLOURS[random.integerBelow(OCCLUDER_COLOURS.length)];
    return asJpeg(sharp(jpeg).composite([rectangleOver(x, y, width, height, colour)]));
  };
}

export const PHOTO_TRANSFORMS: readonly PhotoTransform[] = [
  {
    name: 'rotate 2-5°',
    description: 'turned 2-5 degrees either way about the centre, grey corners',
    apply: (jpeg, _face, random) => asJpeg(sharp(jpeg).rotate(eitherSign(random, 2, 5), { background: NEUTRAL_GREY })),
  },
  {
    name: 'rotate 10-20°',
    description: 'turned 10-20 degrees either way about the centre, grey corners',
    apply: (jpeg, _face, random) => asJpeg(sharp(jpeg).rotate(eitherSign(random, 10, 20), { background: NEUTRAL_GREY })),
  },
  {
    name: 'crop',
    description: 'a window of 75-90 % of each side at a random offset, the whole face kept',
    apply: async (jpeg, _face, random) => {
      const { width, height } = await sizeOf(jpeg);
      // The face spans the middle ~45 % x 60 % of the generated portrait; the window keeps it.
      const keepWidth = Math.round(width * random.between(0.75, 0.9));
      const keepHeight = Math.round(height * random.between(0.75, 0.9));
      const left = Math.round(random.next() * (width - keepWidth));
      const top = Math.round(random.next() * (height - keepHeight));
      return asJpeg(sharp(jpeg).extract({ left, top, width: keepWidth, height: keepHeight }));
    },
  },
  {
    name: 'crop through the face',
    description: 'a crop whose edge cuts 10-30 % of an eye distance off the side or bottom of the face outline',
    apply: async (jpeg, face, random) => {
      const { width, height } = await sizeOf(jpeg);
      const eye = eyeDistanceOf(face);
      const middleX = (face.eyeLeft.x + face.eyeRight.x) / 2;
      const middleY = (face.eyeLeft.y + face.eyeRight.y) / 2;
      const cut = random.between(0.1, 0.3) * eye;
      // The outline reaches about one eye distance to each side and 1.75 below the eyes.
      if (random.next() < 0.5) {
        const right = Math.round(middleX + eye - cut);
        return asJpeg(sharp(jpeg).extract({ left: 0, top: 0, width: Math.min(width, right), height }));
      }
      const bottom = Math.round(middleY + 1.75 * eye - cut);
      return asJpeg(sharp(jpeg).extract({ left: 0, top: 0, width, height: Math.min(height, bottom) }));
    },
  },
  {
    name: 'downscale 35-60 %',
    description: 'resized to 35-60 % of its side (lanczos3)',
    apply: async (jpeg, _face, random) => {
      const { width } = await sizeOf(jpeg);
      return asJpeg(sharp(jpeg).resize(Math.round(width * random.between(0.35, 0.6))));
    },
  },
  {
    name: 'upscale 150-220 %',
    description: 'resized to 150-220 % of its side (lanczos3)',
    apply: async (jpeg, _face, random) => {
      const { width } = await sizeOf(jpeg);
      return asJpeg(sharp(jpeg).resize(Math.round(width * random.between(1.5, 2.2))));
    },
  },
  {
    name: 'down then up',
    description: 'shrunk to 30-45 % and enlarged back (detail lost, soft edges)',
    apply: async (jpeg, _face, random) => {
      const { width } = await sizeOf(jpeg);
      const small = await sharp(jpeg).resize(Math.round(width * random.between(0.3, 0.45))).png().toBuffer();
      return asJpeg(sharp(small).resize(width));
    },
  },
  {
    name: 'stretch',
    description: 'width alone rescaled by 85-115 % (a wrong aspect ratio)',
    apply: async (jpeg, _face, random) => {
      const { width, height } = await sizeOf(jpeg);
      return asJpeg(sharp(jpeg).resize(Math.round(width * random.between(0.85, 1.15)), height, { fit: 'fill' }));
    },
  },
  {
    name: 'white balance ±10 %',
    description: 'each channel multiplied by 0.9-1.1 (slightly warm or cold light)',
    apply: (jpeg, _face, random) => asJpeg(sharp(jpeg).linear([random.between(0.9, 1.1), random.between(0.9, 1.1), random.between(0.9, 1.1)], [0, 0, 0])),
  },
  {
    name: 'white balance ±20 %',
    description: 'each channel multiplied by 0.8-1.2 (strongly warm or cold light)',
    apply: (jpeg, _face, random) => asJpeg(sharp(jpeg).linear([random.between(0.8, 1.2), random.between(0.8, 1.2), random.between(0.8, 1.2)], [0, 0, 0])),
  },
  {
    name: 'exposure and contrast',
    description: 'contrast x0.6-1.4 about mid-grey, brightness -40..+40 levels',
    apply: (jpeg, _face, random) => {
      const contrast = random.between(0.6, 1.4);
      const offset = 128 * (1 - contrast) + random.between(-40, 40);
      return asJpeg(sharp(jpeg).linear(contrast, offset));
    },
  },
  {
    name: 'gamma',
    description: 'gamma 0.6-1.6 (sharp applies 1/gamma to the output)',
    apply: (jpeg, _face, random) => {
      const gamma = random.between(0.6, 1.6);
      // sharp's gamma() darkens then brightens by the same exponent; one exponent alone is a pow curve.
      const lut = Array.from({ length: 256 }, (_, value) => Math.round(255 * (value / 255) ** gamma));
      return applyLut(jpeg, lut);
    },
  },
  {
    name: 'hue shift 5-15°',
    description: 'hue rotated 5-15 degrees either way (sharp modulate)',
    apply: (jpeg, _face, random) => asJpeg(sharp(jpeg).modulate({ hue: Math.round(eitherSign(random, 5, 15)) })),
  },
  {
    name: 'saturation',
    description: 'saturation x0.5-0.8 or x1.2-1.6 (sharp modulate)',
    apply: (jpeg, _face, random) => asJpeg(sharp(jpeg).modulate({ saturation: random.next() < 0.5 ? random.between(0.5, 0.8) : random.between(1.2, 1.6) })),
  },
  {
    name: 'greyscale',
    description: 'converted to grey (a black-and-white photo)',
    apply: (jpeg) => asJpeg(sharp(jpeg).greyscale()),
  },
  {
    name: 'cheek covered',
    description: 'a filled rectangle (0.35-0.55 x 0.4-0.6 eye distances; dark, grey, white, blue or skin-brown) over one cheek, inside the face',
    apply: cheekCovered(0.35, 0.55),
  },
  {
    name: 'cheek covered from the side',
    description: 'as above, but the rectangle reaches past the face outline (a hand from the side)',
    apply: cheekCovered(0.7, 0.9),
  },
  {
    name: 'JPEG quality 15-30',
    description: 'recompressed at JPEG quality 15-30 (4:2:0 chroma)',
    apply: (jpeg, _face, random) => asJpeg(sharp(jpeg), Math.round(random.between(15, 30))),
  },
  {
    name: 'blur',
    description: 'Gaussian blur, sigma 1.5-3 px',
    apply: (jpeg, _face, random) => asJpeg(sharp(jpeg).blur(random.between(1.5, 3))),
  },
  {
    name: 'noise',
    description: 'Gaussian-like noise, sigma 8-16 levels per channel',
    apply: (jpeg, _face, random) => withNoise(jpeg, random.between(8, 16), random),
  },
  {
    name: 'mirror',
    description: 'flipped left to right (a mirrored selfie)',
    apply: (jpeg) => asJpeg(sharp(jpeg).flop()),
  },
  {
    name: 'combined',
    description: 'cropped to 85 % at a random offset, turned 1-4 degrees, downscaled to 50-70 %, JPEG quality 40-60',
    apply: async (jpeg, _face, random) => {
      const { width, height } = await sizeOf(jpeg);
      const left = Math.round(random.next() * width * 0.15);
      const top = Math.round(random.next() * height * 0.15);
      const cropped = await sharp(jpeg).extract({ left, top, width: Math.round(width * 0.85), height: Math.round(height * 0.85) }).png().toBuffer();
      const turned = await sharp(cropped).rotate(eitherSign(random, 1, 4), { background: NEUTRAL_GREY }).png().toBuffer();
      return asJpeg(sharp(turned).resize(Math.round(width * 0.85 * random.between(0.5, 0.7))), Math.round(random.between(40, 60)));
    },
  },
];

async function applyLut(jpeg: Buffer, lut: number[]): Promise<Buffer> {
  const { data, info } = await sharp(jpeg).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  for (let index = 0; index < data.length; index++) data[index] = lut[data[index]];
  return asJpeg(sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } }));
}

/** Applies the named transform with the parameters drawn for this photo. */
export function transformPhoto(transform: PhotoTransform, jpeg: Buffer, face: FaceLandmarks, photoSeed: string): Promise<Buffer> {
  return transform.apply(jpeg, face, new SeededRandom('photo-transform', transform.name, photoSeed));
}
