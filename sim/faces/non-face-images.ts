// Pictures without a face that owe nothing to the detector's rules: real photographs of things
// (test/fixtures/non-face-photos/, origin and licence in its README, plus the four no-face photos
// of the real-face set), and generated noise, gradients, random shapes and text. The near misses
// of generate-face.ts are built from the species' own geometry; these are not, so a detector that
// only refuses what it was taught to refuse shows here. Deterministic: SeededRandom, never
// Math.random; text goes through sharp's SVG renderer with the machine's default sans-serif font.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { NO_FACE_PHOTOS, REAL_FACES_FOLDER } from './real-face-shots.js';
import { SeededRandom } from './seeded-random.js';

export const NON_FACE_PHOTOS_FOLDER = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'non-face-photos');

export interface NonFaceImage {
  /** Family and name, e.g. `photo/fruits.jpg` or `noise/skin-tones-3`. */
  name: string;
  bytes: Buffer;
}

/** Every real photograph without a face: the non-face set and the real-face set's no-face photos. */
export function nonFacePhotos(): NonFaceImage[] {
  const own = readdirSync(NON_FACE_PHOTOS_FOLDER)
    .filter((file) => file.endsWith('.jpg'))
    .sort()
    .map((file) => ({ name: `photo/${file}`, bytes: readFileSync(join(NON_FACE_PHOTOS_FOLDER, file)) }));
  const fromRealFaces = NO_FACE_PHOTOS.map((file) => ({ name: `photo/${file}`, bytes: readFileSync(join(REAL_FACES_FOLDER, file)) }));
  return [...own, ...fromRealFaces];
}

type Rgb = [number, number, number];

// Human skin tones as photographed (light to deep), and everyday colours; no detector threshold
// was consulted to pick them.
const SKIN_TONES: Rgb[] = [[241, 194, 167], [224, 172, 140], [198, 134, 103], [161, 102, 77], [120, 75, 55], [88, 56, 42], [233, 188, 150], [210, 160, 120]];
const EVERYDAY_COLOURS: Rgb[] = [[20, 20, 24], [245, 245, 240], [128, 128, 128], [200, 40, 40], [40, 120, 200], [60, 150, 70], [240, 200, 40], [150, 90, 160], [230, 120, 30], [110, 70, 40]];

function pick<T>(random: SeededRandom, items: readonly T[]): T {
  return items[random.integerBelow(items.length)];
}

function anyColour(random: SeededRandom): Rgb {
  return random.next() < 0.5 ? pick(random, SKIN_TONES) : pick(random, EVERYDAY_COLOURS);
}

const css = ([r, g, b]: Rgb) => `rgb(${r},${g},${b})`;

async function rawToJpeg(pixels: Uint8Array, width: number, height: number): Promise<Buffer> {
  return sharp(pixels, { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
}

function svgToJpeg(svg: string): Promise<Buffer> {
  return sharp(Buffer.from(svg)).flatten({ background: '#ffffff' }).jpeg({ quality: 90 }).toBuffer();
}

/** Independent uniform noise in every channel. */
async function colourNoise(random: SeededRandom, width: number, height: number): Promise<Buffer> {
  const pixels = new Uint8Array(width * height * 3);
  for (let index = 0; index < pixels.length; index++) pixels[index] = random.integerBelow(256);
  return rawToJpeg(pixels, width, height);
}

/** Each pixel a skin tone at a random brightness: skin-coloured everywhere, dark specks included. */
async function skinToneNoise(random: SeededRandom, width: number, height: number): Promise<Buffer> {
  const pixels = new Uint8Array(width * height * 3);
  for (let index = 0; index < width * height; index++) {
    const tone = pick(random, SKIN_TONES);
    const light = random.between(0.3, 1.1);
    for (let channel = 0; channel < 3; channel++) pixels[index * 3 + channel] = Math.min(255, Math.round(tone[channel] * light));
  }
  return rawToJpeg(pixels, width, height);
}

/** Blocks of 4-24 px, each a skin tone or an everyday colour (a pixelated mosaic). */
async function blockNoise(random: SeededRandom, width: number, height: number): Promise<Buffer> {
  const block = 4 + random.integerBelow(21);
  const pixels = new Uint8Array(width * height * 3);
  const columns = Math.ceil(width / block);
  const colours = Array.from({ length: columns * Math.ceil(height / block) }, () => anyColour(random));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const colour = colours[Math.floor(y / block) * columns + Math.floor(x / block)];
      pixels.set(colour, (y * width + x) * 3);
    }
  }
  return rawToJpeg(pixels, width, height);
}

async function linearGradient(random: SeededRandom, width: number, height: number): Promise<Buffer> {
  const stops = [anyColour(random), anyColour(random), anyColour(random)];
  const angle = random.between(0, 360);
  return svgToJpeg(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><defs><linearGradient id="g" gradientTransform="rotate(${angle.toFixed(1)} 0.5 0.5)">` +
      `${stops.map((stop, index) => `<stop offset="${index / (stops.length - 1)}" stop-color="${css(stop)}"/>`).join('')}</linearGradient></defs>` +
      `<rect width="100%" height="100%" fill="url(#g)"/></svg>`,
  );
}

/** A skin tone fading to a darker colour from a random centre: a soft, round, skin-coloured glow. */
async function radialGradient(random: SeededRandom, width: number, height: number): Promise<Buffer> {
  const inner = pick(random, SKIN_TONES);
  const outer = anyColour(random);
  const cx = random.between(0.3, 0.7);
  const cy = random.between(0.3, 0.7);
  return svgToJpeg(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><defs><radialGradient id="g" cx="${cx.toFixed(3)}" cy="${cy.toFixed(3)}" r="${random.between(0.3, 0.7).toFixed(3)}">` +
      `<stop offset="0" stop-color="${css(inner)}"/><stop offset="1" stop-color="${css(outer)}"/></radialGradient></defs>` +
      `<rect width="100%" height="100%" fill="url(#g)"/></svg>`,
  );
}

/** 6-20 ellipses, rectangles and triangles of random size, place, turn and colour, then small dark dots anywhere. */
async function randomShapes(random: SeededRandom, width: number, height: number): Promise<Buffer> {
  const shapes: string[] = [];
  const count = 6 + random.integerBelow(15);
  for (let index = 0; index < count; index++) {
    const x = random.between(0, width);
    const y = random.between(0, height);
    const size = random.between(20, 160);
    const turn = random.between(0, 180).toFixed(1);
    const fill = css(anyColour(random));
    const kind = random.integerBelow(3);
    if (kind === 0) shapes.push(`<ellipse cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" rx="${size.toFixed(1)}" ry="${(size * random.between(0.5, 1.8)).toFixed(1)}" transform="rotate(${turn} ${x.toFixed(1)} ${y.toFixed(1)})" fill="${fill}"/>`);
    else if (kind === 1) shapes.push(`<rect x="${(x - size / 2).toFixed(1)}" y="${(y - size / 2).toFixed(1)}" width="${size.toFixed(1)}" height="${(size * random.between(0.5, 1.8)).toFixed(1)}" transform="rotate(${turn} ${x.toFixed(1)} ${y.toFixed(1)})" fill="${fill}"/>`);
    else shapes.push(`<polygon points="${[0, 1, 2].map(() => `${(x + random.between(-size, size)).toFixed(1)},${(y + random.between(-size, size)).toFixed(1)}`).join(' ')}" fill="${fill}"/>`);
  }
  const dots = random.integerBelow(40);
  for (let index = 0; index < dots; index++) {
    shapes.push(`<circle cx="${random.between(0, width).toFixed(1)}" cy="${random.between(0, height).toFixed(1)}" r="${random.between(2, 12).toFixed(1)}" fill="${css(pick(random, EVERYDAY_COLOURS.slice(0, 5)))}"/>`);
  }
  return svgToJpeg(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="${css(anyColour(random))}"/>${shapes.join('')}</svg>`);
}

/**
 * 1-4 upright skin-toned ovals, each with 2-6 dark or coloured dots scattered uniformly inside:
 * the closest a random picture comes to the species (an oval with holes), with no eye-and-mouth
 * arrangement intended. A dot pattern that happens to fall where eyes and a mouth go is a
 * cartoon face, and the synthetic path is entitled to see it; the gate reports how often.
 */
async function dottedOvals(random: SeededRandom, width: number, height: number): Promise<Buffer> {
  const parts: string[] = [];
  const count = 1 + random.integerBelow(4);
  for (let index = 0; index < count; index++) {
    const rx = random.between(30, 90);
    const ry = rx * random.between(1.1, 1.8);
    const cx = random.between(rx, width - rx);
    const cy = random.between(ry, height - ry);
    parts.push(`<ellipse cx="${cx.toFixed(1)}" cy="${cy.toFixed(1)}" rx="${rx.toFixed(1)}" ry="${ry.toFixed(1)}" transform="rotate(${random.between(-15, 15).toFixed(1)} ${cx.toFixed(1)} ${cy.toFixed(1)})" fill="${css(pick(random, SKIN_TONES))}"/>`);
    const dots = 2 + random.integerBelow(5);
    for (let dot = 0; dot < dots; dot++) {
      // Uniform in the oval: a random angle and the square root of a uniform radius.
      const angle = random.between(0, 2 * Math.PI);
      const reach = Math.sqrt(random.next()) * 0.8;
      parts.push(`<circle cx="${(cx + Math.cos(angle) * reach * rx).toFixed(1)}" cy="${(cy + Math.sin(angle) * reach * ry).toFixed(1)}" r="${(rx * random.between(0.06, 0.18)).toFixed(1)}" fill="${css(pick(random, EVERYDAY_COLOURS.slice(0, 5)))}"/>`);
    }
  }
  return svgToJpeg(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="${css(pick(random, EVERYDAY_COLOURS))}"/>${parts.join('')}</svg>`);
}

const WORDS = ['face', 'sign in', 'hello', 'Cognito', 'OOO', 'o_o', ':-)', 'ABC', 'page 42', 'the quick brown fox', 'Rekognition', '8 8', 'Oo', 'WOW', 'Q.E.D.'];

/** Lines of words in random sizes and colours on a plain background (skin tones included). */
async function randomText(random: SeededRandom, width: number, height: number): Promise<Buffer> {
  const lines: string[] = [];
  const count = 2 + random.integerBelow(6);
  for (let index = 0; index < count; index++) {
    const size = Math.round(random.between(14, 90));
    const words = Array.from({ length: 1 + random.integerBelow(3) }, () => pick(random, WORDS)).join(' ');
    lines.push(`<text x="${random.between(0, width * 0.5).toFixed(1)}" y="${random.between(size, height).toFixed(1)}" font-family="sans-serif" font-size="${size}" font-weight="${random.next() < 0.5 ? 'bold' : 'normal'}" fill="${css(anyColour(random))}">${words}</text>`);
  }
  return svgToJpeg(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="${css(anyColour(random))}"/>${lines.join('')}</svg>`);
}

const GENERATORS: { family: string; make: (random: SeededRandom, width: number, height: number) => Promise<Buffer> }[] = [
  { family: 'noise/colour', make: colourNoise },
  { family: 'noise/skin-tones', make: skinToneNoise },
  { family: 'noise/blocks', make: blockNoise },
  { family: 'gradient/linear', make: linearGradient },
  { family: 'gradient/radial', make: radialGradient },
  { family: 'shapes', make: randomShapes },
  { family: 'shapes/dotted-ovals', make: dottedOvals },
  { family: 'text', make: randomText },
];

export const GENERATED_FAMILIES = GENERATORS.map((generator) => generator.family);

/** `perFamily` generated pictures of each family, 320-480 px on a side. */
export async function generatedNonFaceImages(perFamily: number): Promise<NonFaceImage[]> {
  const images: NonFaceImage[] = [];
  for (const { family, make } of GENERATORS) {
    for (let index = 0; index < perFamily; index++) {
      const random = new SeededRandom('non-face', family, index);
      const width = 320 + 16 * random.integerBelow(11);
      const height = 320 + 16 * random.integerBelow(11);
      images.push({ name: `${family}-${index}`, bytes: await make(random, width, height) });
    }
  }
  return images;
}
