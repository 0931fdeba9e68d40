// `facekit face`: writes a synthetic face photograph (or a picture that is deliberately not a
// usable face) for trying out enrolment and sign-in against the emulator. sharp and the drawing
// code load when the command runs, not with every other command.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, extname } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { FIXTURE_KINDS, type FixtureKind } from '../../sim/faces/fixture-kinds.js';

interface FaceOptions {
  seed: string;
  variant: number;
  kind: FixtureKind;
  out: string;
}

/** The picture format each accepted file name extension names. */
const FORMATS = { '.jpg': 'jpeg', '.jpeg': 'jpeg', '.png': 'png', '.webp': 'webp' } as const;
type Extension = keyof typeof FORMATS;

function parseOut(path: string): string {
  if (!(extname(path).toLowerCase() in FORMATS)) {
    throw new InvalidArgumentError(`the file name must end in ${Object.keys(FORMATS).join(', ')} (it names the format to write)`);
  }
  return path;
}

/**
 * The fixture (always drawn as JPEG) in the format `out` names. A JPEG is written as drawn, so
 * JPEG artefacts stay part of the fixture; `corrupt` exists only as broken JPEG bytes.
 */
export async function encodeFor(out: string, picture: Buffer, kind: FixtureKind): Promise<Buffer> {
  const format = FORMATS[extname(out).toLowerCase() as Extension];
  if (format === 'jpeg') return picture;
  if (kind === 'corrupt') throw new InvalidArgumentError(`--kind corrupt is broken JPEG bytes: name the file .jpg, not ${extname(out)}`);
  const { default: sharp } = await import('sharp');
  return format === 'png' ? sharp(picture).png().toBuffer() : sharp(picture).webp({ quality: 90 }).toBuffer();
}

function parseVariant(value: string): number {
  const variant = Number(value);
  if (!Number.isInteger(variant) || variant < 0) throw new InvalidArgumentError('must be a whole number >= 0');
  return variant;
}

export function faceCommand(): Command {
  return new Command('face')
    .description('write a synthetic face photo (deterministic per --seed and --variant) or a test picture')
    .requiredOption('--seed <name>', 'who is in the photo: the same seed is the same person')
    .option('--variant <n>', 'which photo of them: 0 is a studio shot, others vary exposure, framing, tilt, noise, focus, JPEG quality and background', parseVariant, 0)
    .addOption(new Option('--kind <kind>', 'what to draw').choices([...FIXTURE_KINDS]).default('face'))
    .requiredOption('--out <file>', 'where to write the picture: .jpg/.jpeg, .png or .webp (the extension picks the format; Rekognition reads JPEG and PNG)', parseOut)
    .addHelpText('after', `
Kinds:
  face         one person (the seed), 480x480
  no-face      near misses (a skin ellipse without a mouth, a skin rectangle, a round skin disc,
               a yellow smiley): Rekognition finds no face
  two-faces    the seed (largest) and "<seed>+1" side by side
  three-faces  the seed, "<seed>+1" and "<seed>+2", largest first
  too-small    a 64x64 photo, below Rekognition's 80 px minimum (InvalidParameterException)
  blank        a uniform grey picture
  corrupt      a JPEG header followed by bytes that do not decode (InvalidImageFormatException)

Examples:
  facekit face --seed alice --out alice.jpg
  facekit face --seed alice --variant 3 --out alice-signin.jpg   # same person, another camera
  facekit face --seed bob --kind two-faces --out group.jpg`)
    .action(async (options: FaceOptions) => {
      const { generateFixture } = await import('../../sim/faces/generate-face.js');
      const picture = await encodeFor(options.out, await generateFixture(options.kind, options.seed, options.variant), options.kind);
      await mkdir(dirname(options.out), { recursive: true });
      await writeFile(options.out, picture);
      console.log(`wrote ${options.out} (${options.kind}, seed ${options.seed}, variant ${options.variant}, ${picture.length} bytes)`);
    });
}
