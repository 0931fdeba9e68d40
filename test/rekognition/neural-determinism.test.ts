// The neural path is deterministic by construction: the same bytes give bit-identical stored
// descriptors in separate processes (a restarted emulator) and within one process.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { realPhoto, shotOf } from '../../sim/faces/real-face-shots.js';
import { FaceFinder } from '../../sim/rekognition/face-finder.js';
import { decodeImage } from '../../sim/rekognition/matcher/decode-image.js';
import type { FaceDescriptor, LocatedFace } from '../../sim/rekognition/matcher/face-matcher.js';
import { sharedNeuralFaceModel } from '../../sim/rekognition/matcher/neural-model.js';

const root = join(import.meta.dirname, '..', '..');

/** Digest of every stored byte of every face found (descriptor, box, landmarks). */
const DIGEST_SCRIPT = `
import { createHash } from 'node:crypto';
import { realPhoto, shotOf } from './sim/faces/real-face-shots.js';
import { FaceFinder } from './sim/rekognition/face-finder.js';
import { decodeImage } from './sim/rekognition/matcher/decode-image.js';
import { sharedNeuralFaceModel } from './sim/rekognition/matcher/neural-model.js';
const finder = new FaceFinder(sharedNeuralFaceModel());
const lines = [];
for (const [photo, kind] of [['eileen-collins.jpg', 'original'], ['grace-hopper.jpg', 'rotate+8'], ['basketball-player-2.jpg', 'original']]) {
  for (const face of await finder.findFaces(await decodeImage(await shotOf(realPhoto(photo), kind)))) {
    const d = face.descriptor;
    lines.push(createHash('sha256').update(d.vector).update(JSON.stringify([face.boundingBox, face.landmarks, face.pose, face.quality])).digest('hex'));
  }
}
console.log(JSON.stringify(lines));
`;

function digestInFreshProcess(): string[] {
  const output = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', DIGEST_SCRIPT], { cwd: root, encoding: 'utf8', timeout: 240_000 });
  return JSON.parse(output.trim().split('\n').pop()!) as string[];
}

describe('neural descriptors are deterministic', () => {
  it('are bit-identical in two separate processes', () => {
    const first = digestInFreshProcess();
    const second = digestInFreshProcess();
    expect(first).toHaveLength(3);
    expect(second).toEqual(first);
  }, 480_000);

  it('are bit-identical when the same picture is read twice in one process, with other pictures in between', async () => {
    const finder = new FaceFinder(sharedNeuralFaceModel());
    const digest = async (bytes: Buffer) => {
      const [face] = await finder.findFaces(await decodeImage(bytes));
      const descriptor = face.descriptor;
      if (descriptor.path !== 'neural') throw new Error('expected a real face');
      return createHash('sha256').update(descriptor.vector).digest('hex');
    };
    const collins = realPhoto('eileen-collins.jpg');
    const before = await digest(collins);
    await digest(await shotOf(realPhoto('grace-hopper.jpg'), 'crop'));
    expect(await digest(collins)).toBe(before);
  }, 120_000);

  it('do not depend on which optional networks ran, and DetectFaces without them reports the same faces', async () => {
    const finder = new FaceFinder(sharedNeuralFaceModel());
    const group = await decodeImage(realPhoto('basketball-player-2.jpg'));
    const everything = await finder.findFaces(group);
    const searchOnly = await finder.findFaces(group, { descriptors: true, attributes: false });
    const detectOnly = await finder.findFaces(group, { descriptors: false, attributes: false });
    expect(everything.length).toBeGreaterThan(0);
    const digestOf = (descriptor: FaceDescriptor | undefined) => {
      if (descriptor?.path !== 'neural') throw new Error('expected a real face');
      return createHash('sha256').update(descriptor.vector).digest('hex');
    };
    expect(searchOnly.map((face) => digestOf(face.descriptor))).toEqual(everything.map((face) => digestOf(face.descriptor)));
    // What DetectFaces shows without Attributes, and the quality problems IndexFaces filters on.
    const shown = (face: LocatedFace) => [face.boundingBox, face.confidence, face.landmarks, face.pose, face.quality, face.reasons, face.areaPixels];
    expect(detectOnly.map(shown)).toEqual(everything.map(shown));
    expect(searchOnly.map(shown)).toEqual(everything.map(shown));
    expect(detectOnly.every((face) => face.descriptor === undefined)).toBe(true);
    // Without attributes asked for, no emotion or smile is invented.
    expect(detectOnly[0].attributes).not.toHaveProperty('Emotions');
    expect(everything[0].attributes).toHaveProperty('Emotions');
  }, 120_000);
});
