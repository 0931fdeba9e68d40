// Real photographs for the neural path's calibration and tests (test/fixtures/real-faces/, see
// its README for origin and licence), and the "other shots" of each: crops, scales, brightness,
// JPEG quality, small rotations and a mirror image, all made with sharp so every run gets the
// same bytes. Different people always come from different photographs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp, { type Sharp } from 'sharp';

export const REAL_FACES_FOLDER = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'real-faces');

/** One photograph per person, except the basketball player, whose two frames are two real shots. */
export const REAL_PEOPLE: { person: string; photos: string[] }[] = [
  { person: 'eileen-collins', photos: ['eileen-collins.jpg'] },
  { person: 'grace-hopper', photos: ['grace-hopper.jpg'] },
  { person: 'messi', photos: ['messi.jpg'] },
  { person: 'cameraman', photos: ['cameraman.jpg'] },
  { person: 'basketball-player', photos: ['basketball-player-1.jpg', 'basketball-player-2.jpg'] },
];

export const NO_FACE_PHOTOS = ['no-face-cat.jpg', 'no-face-coffee.jpg', 'no-face-rocket-launch.jpg', 'no-face-house.jpg'];

export function realPhoto(name: string): Buffer {
  return readFileSync(join(REAL_FACES_FOLDER, name));
}

export type ShotKind = 'original' | 'crop' | 'scale-70' | 'darker' | 'brighter' | 'jpeg-35' | 'rotate+8' | 'rotate-6' | 'mirror' | 'soft-focus';
export const SHOT_KINDS: ShotKind[] = ['original', 'crop', 'scale-70', 'darker', 'brighter', 'jpeg-35', 'rotate+8', 'rotate-6', 'mirror', 'soft-focus'];

/** Another shot of the person in `photo`, as a JPEG. */
export async function shotOf(photo: Buffer, kind: ShotKind): Promise<Buffer> {
  const image = sharp(photo);
  const { width = 0, height = 0 } = await image.metadata();
  const jpeg = (pipeline: Sharp, quality = 90) => pipeline.jpeg({ quality }).toBuffer();
  switch (kind) {
    case 'original':
      return photo;
    case 'crop':
      // Drops 8 % on the left and bottom, 4 % on the right and top: the face moves in the frame.
      return jpeg(image.extract({ left: Math.round(width * 0.08), top: Math.round(height * 0.04), width: Math.round(width * 0.88), height: Math.round(height * 0.88) }));
    case 'scale-70':
      return jpeg(image.resize(Math.round(width * 0.7)));
    case 'darker':
      return jpeg(image.modulate({ brightness: 0.7 }));
    case 'brighter':
      return jpeg(image.modulate({ brightness: 1.3 }));
    case 'jpeg-35':
      return jpeg(image, 35);
    case 'rotate+8':
      return jpeg(image.rotate(8, { background: '#808080' }));
    case 'rotate-6':
      return jpeg(image.rotate(-6, { background: '#202020' }).resize(Math.round(width * 0.85)));
    case 'mirror':
      return jpeg(image.flop());
    case 'soft-focus':
      return jpeg(image.blur(1.2));
  }
}
