// The neural model in its own thread (sim/rekognition/matcher/neural-model.ts): its status says
// the truth, an idle model gives its memory back and comes back with the same results, and a
// thread that dies fails only the pictures it had, never hangs them.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { realPhoto } from '../../sim/faces/real-face-shots.js';
import { decodeImage } from '../../sim/rekognition/matcher/decode-image.js';
import { DEFAULT_IDLE_RELEASE_MS, idleReleaseMsOf, NeuralFaceModel, neuralThreadsOf, type NeuralFaceResult } from '../../sim/rekognition/matcher/neural-model.js';
import type { RgbRaster } from '../../sim/rekognition/matcher/raster.js';

const root = join(import.meta.dirname, '..', '..');
const crashingThread = new URL('./crashing-neural-model-worker.mjs', import.meta.url);

/** A grey square: no face, and the cheapest picture the model can be given. */
const blank = (side: number): RgbRaster => ({ width: side, height: side, pixels: new Uint8Array(side * side * 3).fill(128) });

/** Every number the model reported, to the bit (the descriptor's bytes included). */
const digestOf = (faces: NeuralFaceResult[]) =>
  faces.map(({ descriptor, ...rest }) => createHash('sha256').update(new Uint8Array(descriptor.buffer, descriptor.byteOffset, descriptor.byteLength)).update(JSON.stringify(rest)).digest('hex'));

let collins: RgbRaster;
beforeAll(async () => {
  collins = await decodeImage(realPhoto('eileen-collins.jpg'));
});

describe('a neural model in its own thread', () => {
  it('goes from not loaded to loading to ready, and when kept loaded stays so past its idle time', async () => {
    const model = new NeuralFaceModel({ idleReleaseMs: 20 });
    const statusBefore = model.status;
    const loading = model.keepLoaded();
    const statusWhileLoading = model.status;
    await loading;
    await model.detect(blank(64));
    // The release timer (20 ms) is due before this one: a model not kept would be gone by now.
    await new Promise((resume) => setTimeout(resume, 200));
    expect([statusBefore, statusWhileLoading, model.status, model.loads]).toEqual(['not loaded', 'loading', 'ready', 1]);
  });

  it('is released after its idle time, then the next picture loads it again and gets bit-identical faces', async () => {
    const model = new NeuralFaceModel({ idleReleaseMs: 50 });
    const before = await model.detect(collins);
    await vi.waitFor(() => expect(model.status).toBe('not loaded'), { timeout: 60_000, interval: 20 });
    const after = await model.detect(collins);

    expect(before).toHaveLength(1);
    expect(before[0].descriptor).toHaveLength(1024);
    expect(digestOf(after)).toEqual(digestOf(before));
    expect([model.status, model.loads]).toEqual(['ready', 2]);
  });

  it('leaves the caller\'s picture as it was (the thread gets a copy)', async () => {
    const model = new NeuralFaceModel({ idleReleaseMs: Infinity });
    const picture = blank(16);
    await model.detect(picture);
    expect([picture.pixels.byteLength, picture.pixels[0]]).toEqual([16 * 16 * 3, 128]);
  });

  it('does not keep a process alive once its pictures are answered, and does while one is pending', () => {
    // Top-level await on a picture: were the busy thread not holding the process, Node would exit
    // early (code 13); were the idle one holding it, the child would never end (the timeout kills it).
    const script = `
import { NeuralFaceModel } from './sim/rekognition/matcher/neural-model.js';
const model = new NeuralFaceModel({ idleReleaseMs: Infinity });
const faces = await model.detect({ width: 8, height: 8, pixels: new Uint8Array(8 * 8 * 3) });
console.log('answered', faces.length, model.status);
`;
    const output = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    expect(output.trim().split('\n').pop()).toBe('answered 0 ready');
  }, 150_000);
});

describe('a neural model in up to two threads', () => {
  it('starts a second thread when a picture arrives while the first has one in hand, then hands each thread a picture of the next two', async () => {
    const model = new NeuralFaceModel({ threads: 2, idleReleaseMs: Infinity });
    await model.load();
    const alone = await model.detect(collins);
    expect(model.threadsRunning).toBe(1);

    // The first thread is busy with the first picture: the second goes behind it, and a second thread starts.
    const burst = await Promise.all([model.detect(collins), model.detect(collins)]);
    await vi.waitFor(() => expect(model.picturesInHand).toEqual([0, 0]), { timeout: 60_000, interval: 20 });
    const spread = [model.detect(collins), model.detect(collins)];
    await vi.waitFor(() => expect(model.picturesInHand).toEqual([1, 1]), { timeout: 10_000, interval: 5 });
    const faces = await Promise.all(spread);

    expect([model.threadsRunning, model.loads]).toEqual([2, 2]);
    expect(new Set([alone, ...burst, ...faces].map((found) => digestOf(found)[0])).size).toBe(1);
  });

  it('starts no second thread when it may run only one: pictures queue behind each other', async () => {
    const model = new NeuralFaceModel({ threads: 1, idleReleaseMs: Infinity });
    await model.load();
    const pictures = [model.detect(collins), model.detect(collins)];
    await vi.waitFor(() => expect(model.picturesInHand).toEqual([2]), { timeout: 10_000, interval: 5 });
    await Promise.all(pictures);
    expect([model.threadsRunning, model.loads]).toEqual([1, 1]);
  });

  it('ends the second thread when it is idle, and keeps one when kept loaded', async () => {
    const model = new NeuralFaceModel({ threads: 2, idleReleaseMs: 50 });
    await model.keepLoaded();
    await Promise.all([model.detect(collins), model.detect(collins), model.detect(collins)]);
    await vi.waitFor(() => expect(model.loads).toBe(2), { timeout: 60_000, interval: 20 });

    await vi.waitFor(() => expect(model.threadsRunning).toBe(1), { timeout: 60_000, interval: 20 });
    await new Promise((resume) => setTimeout(resume, 200));
    expect([model.threadsRunning, model.status]).toEqual([1, 'ready']);
  });
});

describe('a neural model whose thread dies', () => {
  it('fails the picture in hand and the one queued behind it with a clear error; the next picture gets a new thread and the same faces', async () => {
    const model = new NeuralFaceModel({ threadScript: crashingThread, idleReleaseMs: Infinity });
    const before = await model.detect(collins);

    const [crashed, queued] = await Promise.allSettled([model.detect(blank(3)), model.detect(collins)]);
    const statusAfterCrash = model.status;
    const after = await model.detect(collins);

    const message = "the neural face model's thread crashed (simulated abort in the face model) while reading a picture";
    expect(crashed).toMatchObject({ status: 'rejected', reason: { message } });
    expect(queued).toMatchObject({ status: 'rejected', reason: { message } });
    expect(statusAfterCrash).toBe('not loaded');
    expect(digestOf(after)).toEqual(digestOf(before));
    expect([model.status, model.loads, model.error]).toEqual(['ready', 2, undefined]);
  });

  it('names the exit code when the thread exits', async () => {
    const model = new NeuralFaceModel({ threadScript: crashingThread, idleReleaseMs: Infinity });
    await model.load();

    await expect(model.detect(blank(5))).rejects.toThrow("the neural face model's thread exited with code 70 while reading a picture");
    expect(await model.detect(blank(8))).toEqual([]);
  });
});

describe('a neural model that cannot load', () => {
  it('says why, stays failed, and does not start another thread for the next picture', async () => {
    const model = new NeuralFaceModel({ modelsFolder: '/nowhere' });
    const loadFailure = await model.load().catch((error: Error) => error);
    const detectFailure = await model.detect(blank(8)).catch((error: Error) => error);

    expect(loadFailure).toBeInstanceOf(Error);
    expect((loadFailure as Error).message).toMatch(/^face models not loaded from \/nowhere: /);
    expect(detectFailure).toBe(loadFailure);
    expect([model.status, model.error, model.loads]).toEqual(['failed', loadFailure, 1]);
  });
});

describe('FACEKIT_NEURAL_THREADS', () => {
  it('takes a whole number from 1 to the cores; anything else means 2, or 1 on one core', () => {
    expect(['1', '2', '4', undefined, '', '0', '5', '1.5', 'two'].map((setting) => neuralThreadsOf(setting, 4))).toEqual([1, 2, 4, 2, 2, 2, 2, 2, 2]);
    expect([neuralThreadsOf(undefined, 1), neuralThreadsOf('2', 1)]).toEqual([1, 1]);
  });
});

describe('FACEKIT_NEURAL_IDLE_MS', () => {
  it('takes milliseconds or never; anything else means the default', () => {
    expect(['30000', 'never', 'NEVER', undefined, '', '0', '-5', '1.5', 'soon'].map(idleReleaseMsOf)).toEqual([
      30_000,
      Infinity,
      Infinity,
      ...Array(6).fill(DEFAULT_IDLE_RELEASE_MS),
    ]);
  });
});
