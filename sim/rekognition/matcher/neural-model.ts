// The neural face path's model: @vladmandic/human 3.3.6 (BlazeFace detector, MediaPipe face
// mesh with iris, the `faceres` description network, an emotion classifier) on TensorFlow.js's
// WebAssembly backend. Chosen because it ships every model inside the npm package (no download at
// run time), runs on CPU in Node without a native binary (tfjs-node needs one fetched at install,
// impossible offline), and gives a 1024-value face descriptor plus age, gender and emotions.
//
// One model per process, loaded once (in the background at `npm start`, or on first use) and
// run one picture at a time: the WASM backend is single-threaded here, so its arithmetic is the
// same on every run and the same bytes give bit-identical descriptors.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Config, FaceResult, Human } from '@vladmandic/human';
import sharp from 'sharp';
import type { RgbRaster } from './raster.js';

const require = createRequire(import.meta.url);

export type NeuralModelStatus = 'off' | 'not loaded' | 'loading' | 'ready' | 'failed';

/** The model sees pictures no larger than this on their longer side (boxes stay ratios). */
export const MODEL_INPUT_SIDE = 1024;

/** A face as the model reports it, in ratios of the picture it was given. */
export interface NeuralFaceResult {
  /** Left, top, width, height as ratios of the picture. */
  box: [number, number, number, number];
  boxScore: number;
  faceScore: number;
  /** 478 mesh points (468 face + 10 iris) as ratios of the picture; z in mesh units. */
  mesh: [number, number, number][];
  /** Radians. */
  rotation: { roll: number; yaw: number; pitch: number };
  gaze?: { bearing: number; strength: number };
  age?: number;
  gender?: 'male' | 'female' | 'unknown';
  genderScore?: number;
  emotions: { emotion: string; score: number }[];
  descriptor: Float32Array;
}

/** The package's dist folder. Its exports map spells subpaths without "./", so Node refuses
 * `@vladmandic/human/dist/...`: resolve the main entry and go from there. */
function humanDistFolder(): string {
  return dirname(require.resolve('@vladmandic/human'));
}

function modelsFolder(): string {
  return join(humanDistFolder(), '..', 'models');
}

function wasmFolder(): string {
  // Resolves to .../tfjs-backend-wasm/dist/tf-backend-wasm.node.js; the .wasm files sit beside it.
  return dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
}

/**
 * Human loads models with the global fetch, and Node's fetch cannot read file:// URLs. This
 * wrapper answers only file:// URLs inside the package's models folder from disk and hands
 * every other request to the original fetch untouched.
 */
let fetchShimInstalled = false;
function installModelFetch(folder: string): void {
  if (fetchShimInstalled) return;
  fetchShimInstalled = true;
  const prefix = pathToFileURL(folder).href + '/';
  const originalFetch = globalThis.fetch;
  globalThis.fetch = async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!url.startsWith(prefix)) return originalFetch(input, init);
    const path = fileURLToPath(url);
    try {
      const body = await readFile(path);
      return new Response(body, { status: 200, headers: { 'content-type': path.endsWith('.json') ? 'application/json' : 'application/octet-stream' } });
    } catch {
      return new Response(`model file not found: ${path}`, { status: 404 });
    }
  };
}

function configOf(models: string): Partial<Config> {
  const never = { skipFrames: 0, skipTime: 0 };
  return {
    backend: 'wasm',
    wasmPath: pathToFileURL(wasmFolder()).href + '/',
    modelBasePath: pathToFileURL(models).href + '/',
    debug: false,
    async: false,
    warmup: 'none',
    cacheModels: false,
    // No frame-to-frame caching: every picture is analysed from scratch, or a result would
    // depend on the picture before it.
    cacheSensitivity: 0,
    filter: { enabled: false },
    gesture: { enabled: false },
    body: { enabled: false },
    hand: { enabled: false },
    object: { enabled: false },
    segmentation: { enabled: false },
    face: {
      enabled: true,
      detector: { ...never, rotation: true, maxDetected: 100, minConfidence: 0.3, iouThreshold: 0.1, return: false },
      mesh: { enabled: true, keepInvalid: false },
      iris: { enabled: true, ...never },
      description: { enabled: true, minConfidence: 0, ...never },
      emotion: { enabled: true, minConfidence: 0, ...never },
      antispoof: { enabled: false },
      liveness: { enabled: false },
      attention: { enabled: false },
      gear: { enabled: false },
    },
  } as Partial<Config>;
}

export class NeuralFaceModel {
  private human?: Human;
  private loading?: Promise<void>;
  private failure?: Error;
  private loadMilliseconds?: number;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly enabled = true) {}

  get status(): NeuralModelStatus {
    if (!this.enabled) return 'off';
    if (this.failure) return 'failed';
    if (this.human) return 'ready';
    return this.loading ? 'loading' : 'not loaded';
  }

  /** Why loading failed (for the startup message). */
  get error(): Error | undefined {
    return this.failure;
  }

  get loadTime(): number | undefined {
    return this.loadMilliseconds;
  }

  /** Starts loading if nobody has; resolves when loaded, rejects if loading failed. */
  load(): Promise<void> {
    if (!this.enabled) return Promise.reject(new Error('the neural face path is off'));
    this.loading ??= (async () => {
      const started = performance.now();
      try {
        const models = modelsFolder();
        installModelFetch(models);
        const { Human: HumanClass } = require(join(humanDistFolder(), 'human.node-wasm.js')) as { Human: new (config: Partial<Config>) => Human };
        const human = new HumanClass(configOf(models));
        await human.load();
        if (human.tf.getBackend() !== 'wasm') throw new Error(`tfjs backend is ${human.tf.getBackend()}, not wasm`);
        this.human = human;
        this.loadMilliseconds = performance.now() - started;
      } catch (error) {
        this.failure = error instanceof Error ? error : new Error(String(error));
        throw this.failure;
      }
    })();
    return this.loading;
  }

  /** Faces in `raster`, in the order the model found them. Waits for the model. */
  async detect(raster: RgbRaster): Promise<NeuralFaceResult[]> {
    await this.load();
    const input = await modelInputOf(raster);
    const run = this.queue.then(() => this.run(input));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async run(input: RgbRaster): Promise<NeuralFaceResult[]> {
    const human = this.human!;
    const tensor = human.tf.tensor3d(input.pixels, [input.height, input.width, 3], 'int32');
    try {
      const result = await human.detect(tensor);
      if (result.error) throw new Error(`face model: ${result.error}`);
      return result.face.map((face) => faceResultOf(face, input));
    } finally {
      human.tf.dispose(tensor);
    }
  }
}

/** Shrinks large pictures (boxes and landmarks are ratios, so nothing else changes). */
async function modelInputOf(raster: RgbRaster): Promise<RgbRaster> {
  if (Math.max(raster.width, raster.height) <= MODEL_INPUT_SIDE) return raster;
  const { data, info } = await sharp(raster.pixels, { raw: { width: raster.width, height: raster.height, channels: 3 } })
    .resize(MODEL_INPUT_SIDE, MODEL_INPUT_SIDE, { fit: 'inside', kernel: 'lanczos3' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, pixels: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

function faceResultOf(face: FaceResult, input: RgbRaster): NeuralFaceResult {
  const [x, y, width, height] = face.box;
  const angle = face.rotation?.angle ?? { roll: 0, yaw: 0, pitch: 0 };
  return {
    box: [x / input.width, y / input.height, width / input.width, height / input.height],
    boxScore: face.boxScore,
    faceScore: face.faceScore,
    mesh: face.mesh.map(([px, py, pz]) => [px / input.width, py / input.height, pz ?? 0] as [number, number, number]),
    rotation: { roll: angle.roll, yaw: angle.yaw, pitch: angle.pitch },
    ...(face.rotation?.gaze ? { gaze: { bearing: face.rotation.gaze.bearing, strength: face.rotation.gaze.strength } } : {}),
    ...(face.age !== undefined ? { age: face.age } : {}),
    ...(face.gender ? { gender: face.gender, genderScore: face.genderScore } : {}),
    emotions: face.emotion ?? [],
    descriptor: Float32Array.from(face.embedding ?? []),
  };
}

/** The process's one model (its weights take about 15 MB; loading it twice would double that). */
let shared: NeuralFaceModel | undefined;
export function sharedNeuralFaceModel(): NeuralFaceModel {
  shared ??= new NeuralFaceModel(process.env.FACEKIT_NEURAL_FACES !== 'off');
  return shared;
}
