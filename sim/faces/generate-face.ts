// Face fixtures: photographs of the synthetic species (see species.ts) as a camera would take
// them. Variant 0 is a plain studio shot; every other variant moves the camera a little
// (exposure, contrast, framing, tilt, sensor noise, focus, JPEG quality, background), so tests
// can check that the matcher recognises a person, not a file. Same (seed, variant) = same bytes
// on a given sharp build.
import sharp from 'sharp';
import { CELL_SIZE, EYE, FACE_ELLIPSE, IDENTITY_CELLS, MOUTH, NOSE } from './species.js';
import { SeededRandom } from './seeded-random.js';
import type { FixtureKind } from './fixture-kinds.js';

type Rgb = readonly [number, number, number];

/** The traits of one synthetic person, all derived from their seed. */
export interface FaceIdentity {
  skin: Rgb;
  eyeScale: number;
  mouthHalfWidth: number;
  /** Light (1) or dark (0) patch for each grid cell, see patchIndex. */
  patches: Uint8Array;
}

const PATCH_ROWS = { first: -16, count: 37 };
const PATCH_COLUMNS = { first: -10, count: 21 };

function patchIndex(u: number, v: number): number {
  const row = Math.round((v - 0.02) / CELL_SIZE) - PATCH_ROWS.first;
  const column = Math.round(u / CELL_SIZE) - PATCH_COLUMNS.first;
  if (row < 0 || row >= PATCH_ROWS.count || column < 0 || column >= PATCH_COLUMNS.count) return -1;
  return row * PATCH_COLUMNS.count + column;
}

export function identityOf(seed: string): FaceIdentity {
  const random = new SeededRandom('identity', seed);
  const tone = random.next();
  const light: Rgb = [238, 198, 170];
  const deep: Rgb = [156, 104, 76];
  const skin = light.map((channel, index) => Math.round(channel + (deep[index] - channel) * tone)) as unknown as Rgb;
  const patches = new Uint8Array(PATCH_ROWS.count * PATCH_COLUMNS.count);
  for (let index = 0; index < patches.length; index++) patches[index] = random.next() < 0.5 ? 1 : 0;
  // Exactly half of the identity patches are light, so the matcher's median split is exact.
  const identityBits = random.shuffle(Array.from({ length: IDENTITY_CELLS.length }, (_, index) => index % 2));
  IDENTITY_CELLS.forEach((cell, index) => {
    patches[patchIndex(cell.u, cell.v)] = identityBits[index];
  });
  return { skin, eyeScale: random.between(0.85, 1.15), mouthHalfWidth: random.between(0.24, 0.34), patches };
}

/** The identity patches of a person, 1 = light, in IDENTITY_CELLS order: what a perfect hash reads. */
export function identityBitsOf(seed: string): number[] {
  const { patches } = identityOf(seed);
  return IDENTITY_CELLS.map((cell) => patches[patchIndex(cell.u, cell.v)]);
}

/** One face placed in a picture. */
export interface PlacedFace {
  identity: FaceIdentity;
  /** Midpoint between the eyes, in pixels. */
  centerX: number;
  centerY: number;
  /** Distance between the eye centres, in pixels. */
  eyeDistance: number;
  /** Head tilt in degrees, clockwise. */
  rollDegrees?: number;
  /** Head turned sideways: moves nose and mouth off the eye axis (degrees, -90..90). */
  yawDegrees?: number;
}

/** A skin-coloured or dark shape that is not a face (used to build no-face scenes). */
export interface Decoy {
  shape: 'ellipse' | 'rectangle';
  centerX: number;
  centerY: number;
  halfWidth: number;
  halfHeight: number;
  color: Rgb;
}

export interface Camera {
  /** Added to every channel, -255..255. */
  brightness?: number;
  /** Multiplies the distance from mid-grey. */
  contrast?: number;
  /** Standard deviation of per-pixel sensor noise. */
  noise?: number;
  /** Gaussian blur sigma in pixels (0 = sharp). */
  blur?: number;
  jpegQuality?: number;
  /** EXIF orientation to store; pixels are rotated so the picture still displays upright. */
  exifOrientation?: 1 | 3 | 6 | 8;
  format?: 'jpeg' | 'png';
}

export interface Scene {
  width: number;
  height: number;
  /** Top and bottom colours of a vertical gradient. */
  background: readonly [Rgb, Rgb];
  faces: PlacedFace[];
  decoys?: Decoy[];
  camera?: Camera;
  /** Seeds the sensor noise. */
  noiseSeed?: string;
}

// Backgrounds a camera might see that are clearly not skin: blues, greens, greys, purples.
const BACKGROUNDS: readonly (readonly [Rgb, Rgb])[] = [
  [[70, 110, 170], [30, 60, 110]],
  [[200, 205, 210], [120, 125, 130]],
  [[60, 130, 90], [20, 70, 50]],
  [[120, 90, 150], [60, 40, 90]],
  [[30, 30, 35], [80, 85, 90]],
  [[90, 170, 190], [40, 90, 120]],
  [[235, 240, 245], [180, 190, 200]],
];

// Blue-black eyes: their hue stays far from skin even when JPEG chroma subsampling blends them.
const EYE_COLOR: Rgb = [30, 45, 110];
const MOUTH_COLOR: Rgb = [158, 58, 72];

/** Writes the colour of a face at canonical point (u, v) into `out`; false outside the face. */
function faceColorAt(face: PlacedFace, turn: number, u: number, v: number, out: number[]): boolean {
  const { identity } = face;
  const outline = sq(u / FACE_ELLIPSE.semiAxisX) + sq((v - FACE_ELLIPSE.centerY) / FACE_ELLIPSE.semiAxisY);
  if (outline > 1) return false;
  const ex = EYE.semiAxisX * identity.eyeScale;
  const ey = EYE.semiAxisY * identity.eyeScale;
  let color: Rgb | undefined;
  if (sq((u + EYE.centerX) / ex) + sq(v / ey) <= 1 || sq((u - EYE.centerX) / ex) + sq(v / ey) <= 1) color = EYE_COLOR;
  else if (sq((u - turn) / identity.mouthHalfWidth) + sq((v - MOUTH.centerY) / MOUTH.semiAxisY) <= 1) color = MOUTH_COLOR;
  if (color) {
    out[0] = color[0];
    out[1] = color[1];
    out[2] = color[2];
    return true;
  }
  const shade = identity.patches[patchIndex(u, v)] === 0 ? 0.8 : 1;
  const nose = sq((u - turn) / NOSE.semiAxisX) + sq((v - NOSE.centerY) / NOSE.semiAxisY) <= 1 ? 0.8 : 1;
  out[0] = identity.skin[0] * shade * nose;
  out[1] = identity.skin[1] * shade * nose;
  out[2] = identity.skin[2] * shade * nose;
  return true;
}

function sq(value: number): number {
  return value * value;
}

function decoyColorAt(decoy: Decoy, x: number, y: number): Rgb | undefined {
  const dx = (x - decoy.centerX) / decoy.halfWidth;
  const dy = (y - decoy.centerY) / decoy.halfHeight;
  const inside = decoy.shape === 'ellipse' ? dx * dx + dy * dy <= 1 : Math.abs(dx) <= 1 && Math.abs(dy) <= 1;
  return inside ? decoy.color : undefined;
}

/** Renders a scene to raw RGB (2x2 supersampled), then applies the camera and encodes it. */
export async function renderScene(scene: Scene): Promise<Buffer> {
  const { width, height } = scene;
  const camera = scene.camera ?? {};
  const pixels = Buffer.alloc(width * height * 3);
  const frames = scene.faces.map((face) => {
    const roll = ((face.rollDegrees ?? 0) * Math.PI) / 180;
    // The face fits in a circle of radius (centerY + semiAxisY) eye distances around the eyes.
    const reach = (FACE_ELLIPSE.centerY + FACE_ELLIPSE.semiAxisY) * face.eyeDistance + 2;
    const turn = Math.sin(((face.yawDegrees ?? 0) * Math.PI) / 180) * 0.6;
    return { face, turn, cos: Math.cos(roll), sin: Math.sin(roll), scale: face.eyeDistance, reach };
  });
  const contrast = camera.contrast ?? 1;
  const brightness = camera.brightness ?? 0;
  const noise = camera.noise ?? 0;
  const noiseRandom = new SeededRandom('noise', scene.noiseSeed ?? '');
  const samples = [0.25, 0.75];
  const sample = [0, 0, 0];
  const sum = [0, 0, 0];
  const nearby: typeof frames = [];
  const decoys = scene.decoys ?? [];
  for (let y = 0; y < height; y++) {
    const along = height > 1 ? y / (height - 1) : 0;
    const background = scene.background[0].map((top, index) => top + (scene.background[1][index] - top) * along);
    for (let x = 0; x < width; x++) {
      let nearbyCount = 0;
      for (const frame of frames) {
        if (Math.abs(x - frame.face.centerX) < frame.reach && Math.abs(y - frame.face.centerY) < frame.reach) nearby[nearbyCount++] = frame;
      }
      sum[0] = sum[1] = sum[2] = 0;
      if (nearbyCount === 0 && decoys.length === 0) {
        // Plain background: no need to supersample.
        sum[0] = background[0] * 4;
        sum[1] = background[1] * 4;
        sum[2] = background[2] * 4;
      } else for (const sy of samples) {
        for (const sx of samples) {
          const px = x + sx;
          const py = y + sy;
          let found = false;
          // Later faces are drawn over earlier ones, decoys behind faces.
          for (let index = nearbyCount - 1; index >= 0 && !found; index--) {
            const { face, turn, cos, sin, scale } = nearby[index];
            const dx = px - face.centerX;
            const dy = py - face.centerY;
            found = faceColorAt(face, turn, (dx * cos + dy * sin) / scale, (-dx * sin + dy * cos) / scale, sample);
          }
          // Later decoys are drawn over earlier ones.
          for (let index = decoys.length - 1; index >= 0 && !found; index--) {
            const color = decoyColorAt(decoys[index], px, py);
            if (color) {
              sample[0] = color[0];
              sample[1] = color[1];
              sample[2] = color[2];
              found = true;
            }
          }
          const color = found ? sample : background;
          sum[0] += color[0];
          sum[1] += color[1];
          sum[2] += color[2];
        }
      }
      const offset = (y * width + x) * 3;
      for (let channel = 0; channel < 3; channel++) {
        const exposed = 128 + contrast * (sum[channel] / 4 - 128) + brightness + (noise > 0 ? noise * noiseRandom.normal() : 0);
        pixels[offset + channel] = Math.max(0, Math.min(255, Math.round(exposed)));
      }
    }
  }
  let image = sharp(pixels, { raw: { width, height, channels: 3 } });
  if (camera.blur && camera.blur >= 0.3) image = image.blur(camera.blur);
  const orientation = camera.exifOrientation ?? 1;
  if (orientation !== 1) {
    // Store the pixels turned the other way, so a viewer honouring EXIF shows them upright.
    const storedRotation = { 3: 180, 6: 270, 8: 90 }[orientation];
    image = sharp(await image.raw().toBuffer(), { raw: { width, height, channels: 3 } }).rotate(storedRotation);
    image = image.withMetadata({ orientation });
  }
  return camera.format === 'png' ? image.png().toBuffer() : image.jpeg({ quality: camera.jpegQuality ?? 90 }).toBuffer();
}

export interface GenerateFaceOptions {
  /** Who is in the picture: the same seed is the same person. */
  seed: string;
  /** Which photograph of them: 0 is the studio shot, others vary the camera. */
  variant?: number;
  /** Image side in pixels (square). Default 480. */
  size?: number;
  /** Eye distance as a fraction of the image side. Default 0.2 (a face about 40 % of the width). */
  faceScale?: number;
  /** Overrides of the variant's camera. */
  camera?: Camera;
  yawDegrees?: number;
  rollDegrees?: number;
}

/** The camera and framing for one variant of a photograph. */
export function variantCamera(seed: string, variant: number): { camera: Camera; shiftX: number; shiftY: number; zoom: number; roll: number; background: number } {
  if (variant === 0) return { camera: { jpegQuality: 92 }, shiftX: 0, shiftY: 0, zoom: 1, roll: 0, background: 0 };
  const random = new SeededRandom('variant', seed, variant);
  return {
    camera: {
      brightness: random.between(-25, 25),
      contrast: random.between(0.75, 1.25),
      noise: random.between(0, 6),
      blur: random.next() < 0.3 ? random.between(0.4, 1.2) : 0,
      jpegQuality: Math.round(random.between(60, 95)),
    },
    shiftX: random.between(-0.06, 0.06),
    shiftY: random.between(-0.06, 0.06),
    zoom: random.between(0.85, 1.15),
    roll: random.between(-10, 10),
    background: random.integerBelow(BACKGROUNDS.length),
  };
}

/** A JPEG of one person (`seed`) as photographed in `variant`. */
export async function generateFace(options: GenerateFaceOptions): Promise<Buffer> {
  const size = options.size ?? 480;
  const variant = options.variant ?? 0;
  const shot = variantCamera(options.seed, variant);
  const eyeDistance = size * (options.faceScale ?? 0.2) * shot.zoom;
  return renderScene({
    width: size,
    height: size,
    background: BACKGROUNDS[shot.background],
    faces: [{
      identity: identityOf(options.seed),
      centerX: size * (0.5 + shot.shiftX),
      // Put the face's centre (not the eyes) in the middle of the picture.
      centerY: size * (0.5 + shot.shiftY) - FACE_ELLIPSE.centerY * eyeDistance,
      eyeDistance,
      rollDegrees: options.rollDegrees ?? shot.roll,
      yawDegrees: options.yawDegrees,
    }],
    camera: { ...shot.camera, ...options.camera },
    noiseSeed: `${options.seed}/${variant}`,
  });
}

export { FIXTURE_KINDS, type FixtureKind } from './fixture-kinds.js';

/** Seeds of the people in a group picture made from `seed`: the first is the largest face. */
export function groupSeeds(seed: string, count: number): string[] {
  return Array.from({ length: count }, (_, index) => (index === 0 ? seed : `${seed}+${index}`));
}

/** Two or three people side by side, at clearly different sizes (largest first in groupSeeds). */
export async function generateGroup(seed: string, count: 2 | 3, variant = 0): Promise<Buffer> {
  const width = 720;
  const height = 480;
  const shot = variantCamera(seed, variant);
  const scales = [64, 48, 36];
  const columns = count === 2 ? [0.3, 0.72] : [0.2, 0.52, 0.8];
  const faces = groupSeeds(seed, count).map((personSeed, index) => ({
    identity: identityOf(personSeed),
    centerX: width * columns[index],
    centerY: height * 0.5 - FACE_ELLIPSE.centerY * scales[index] + (index - 1) * 20,
    eyeDistance: scales[index],
    rollDegrees: shot.roll / 2,
  }));
  return renderScene({ width, height, background: BACKGROUNDS[shot.background], faces, camera: shot.camera, noiseSeed: `${seed}/${variant}` });
}

/** Eyes and (optionally) a mouth where the species has them, for a decoy of eye distance `eye`. */
export function featureDecoys(centerX: number, centerY: number, eye: number, withMouth: boolean): Decoy[] {
  const eyeY = centerY - FACE_ELLIPSE.centerY * eye;
  const eyes: Decoy[] = [-1, 1].map((side) => ({
    shape: 'ellipse', centerX: centerX + side * EYE.centerX * eye, centerY: eyeY, halfWidth: EYE.semiAxisX * eye, halfHeight: EYE.semiAxisY * eye, color: EYE_COLOR,
  }));
  const mouth: Decoy = { shape: 'ellipse', centerX, centerY: eyeY + MOUTH.centerY * eye, halfWidth: 0.3 * eye, halfHeight: MOUTH.semiAxisY * eye, color: MOUTH_COLOR };
  return withMouth ? [...eyes, mouth] : eyes;
}

/**
 * Near misses that are not faces: a skin ellipse with eyes but no mouth, a skin rectangle and a
 * round skin disc that both have eyes and a mouth, a yellow disc with dark eyes, a red blob.
 * Positions shift with (seed, variant).
 */
export async function generateNoFace(seed: string, variant = 0): Promise<Buffer> {
  const random = new SeededRandom('no-face', seed, variant);
  const skin = identityOf(seed).skin;
  const jitter = () => random.between(-12, 12);
  const eye = 60;
  const spots = (x: number, y: number, withMouth: boolean) => featureDecoys(x, y, eye, withMouth);
  const [ax, ay, bx, by, cx, cy, dx, dy] = [120, 125, 360, 125, 120, 360, 360, 360].map((value) => value + jitter());
  const decoys: Decoy[] = [
    { shape: 'ellipse', centerX: ax, centerY: ay, halfWidth: FACE_ELLIPSE.semiAxisX * eye, halfHeight: FACE_ELLIPSE.semiAxisY * eye, color: skin },
    ...spots(ax, ay, false),
    { shape: 'rectangle', centerX: bx, centerY: by, halfWidth: eye, halfHeight: FACE_ELLIPSE.semiAxisY * eye, color: skin },
    ...spots(bx, by, true),
    { shape: 'ellipse', centerX: cx, centerY: cy, halfWidth: 1.1 * eye, halfHeight: 1.1 * eye, color: skin },
    ...spots(cx, cy, true),
    { shape: 'ellipse', centerX: dx, centerY: dy, halfWidth: 70, halfHeight: 70, color: [200, 200, 60] },
    ...spots(dx, dy, true),
    { shape: 'ellipse', centerX: 240, centerY: 240, halfWidth: 30, halfHeight: 18, color: [200, 40, 40] },
  ];
  return renderScene({
    width: 480,
    height: 480,
    background: BACKGROUNDS[random.integerBelow(BACKGROUNDS.length)],
    faces: [],
    decoys,
    camera: variantCamera(seed, variant).camera,
    noiseSeed: `${seed}/${variant}/no-face`,
  });
}

/** A picture of any fixture kind. */
export async function generateFixture(kind: FixtureKind, seed: string, variant = 0): Promise<Buffer> {
  switch (kind) {
    case 'face':
      return generateFace({ seed, variant });
    case 'no-face':
      return generateNoFace(seed, variant);
    case 'two-faces':
      return generateGroup(seed, 2, variant);
    case 'three-faces':
      return generateGroup(seed, 3, variant);
    case 'too-small':
      // Below Rekognition's 80 px minimum side.
      return generateFace({ seed, variant, size: 64, faceScale: 0.25 });
    case 'blank':
      return renderScene({ width: 480, height: 480, background: [[128, 128, 128], [128, 128, 128]], faces: [] });
    case 'corrupt': {
      // A JPEG header followed by bytes that do not decode.
      const random = new SeededRandom('corrupt', seed, variant);
      const garbage = Buffer.from(Array.from({ length: 2048 }, () => random.integerBelow(256)));
      return Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00]), garbage]);
    }
  }
}
