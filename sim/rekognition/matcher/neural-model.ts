// The neural face path's model: @vladmandic/human 3.3.6 (BlazeFace detector, MediaPipe face
// mesh, the `faceres` description network, an emotion classifier) on TensorFlow.js's
// WebAssembly backend. Chosen because it ships every model inside the npm package (no download at
// run time), runs on CPU in Node without a native binary (tfjs-node needs one fetched at install,
// impossible offline), and gives a 1024-value face descriptor plus age, gender and emotions.
//
// One model per process, loaded once (on first use; `FACEKIT_NEURAL_FACES=preload` makes
// `npm start` load it after its banner) and
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
  /** 468 mesh points (478 with iris refinement) as ratios of the picture; z in mesh units. */
  mesh: [number, number, number][];
  /** Radians. */
  rotation: { roll: number; yaw: number; pitch: number };
  gaze?: { bearing: number; strength: number };
  age?: number;
  gender?: 'male' | 'female' | 'unknown';
  genderScore?: number;
  /** Absent when the emotion model was not run (no attributes asked for). */
  emotions?: { emotion: string; score: number }[];
  /** Empty when the description network was not run (no descriptor nor age/gender needed). */
  descriptor: Float32Array;
}

/**
 * Which of the optional networks a picture goes through. Detection and the face mesh always run
 * (boxes, landmarks, pose); the description network (descriptor, age, gender: about two thirds
 * of the time of a 640x480 frame) and the emotion classifier only when the operation uses what
 * they give. Each network sees the same crop whatever else runs, so a descriptor does not depend
 * on which of them ran.
 */
export interface NeuralStages {
  description: boolean;
  emotion: boolean;
}

export const ALL_STAGES: NeuralStages = { description: true, emotion: true };

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
const modelFolderUrls = new Set<string>();
function installModelFetch(folder: string): void {
  const first = modelFolderUrls.size === 0;
  modelFolderUrls.add(pathToFileURL(folder).href + '/');
  if (!first) return;
  const originalFetch = globalThis.fetch;
  globalThis.fetch = async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (![...modelFolderUrls].some((prefix) => url.startsWith(prefix))) return originalFetch(input, init);
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
    validateModels: false,
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
      // Iris refinement costs about 90 ms a face and only moves the pupils a little; the eye
      // landmarks come from the mesh's eye contours instead.
      iris: { enabled: false },
      description: { enabled: true, minConfidence: 0, ...never },
      emotion: { enabled: true, minConfidence: 0, ...never },
      antispoof: { enabled: false },
      liveness: { enabled: false },
      attention: { enabled: false },
      gear: { enabled: false },
    },
  } as Partial<Config>;
}

/** The models the neural path cannot work without (Human's names for them). */
const REQUIRED_MODELS = ['blazeface', 'facemesh', 'faceres'];

export interface NeuralFaceModelOptions {
  /** false: the neural path is off (FACEKIT_NEURAL_FACES=off). */
  enabled?: boolean;
  /** Loads the library and its models; tests inject a failing one. Default: loadHuman. */
  loader?: () => Promise<Human>;
}

/**
 * Loads Human with the models shipped in its package, once per process: Human keeps loaded
 * models in a module-wide registry, so a second instance would share (and race on) them anyway.
 */
let humanLoading: Promise<Human> | undefined;
export function loadHuman(): Promise<Human> {
  humanLoading ??= loadHumanOnce();
  return humanLoading;
}

async function loadHumanOnce(): Promise<Human> {
  const models = modelsFolder();
  installModelFetch(models);
  const { Human: HumanClass } = require(join(humanDistFolder(), 'human.node-wasm.js')) as { Human: new (config: Partial<Config>) => Human };
  const human = new HumanClass(configOf(models));
  // Human logs a model it cannot fetch and carries on; the check below turns that into a failure.
  await human.load();
  if (human.tf.getBackend() !== 'wasm') throw new Error(`tfjs backend is ${human.tf.getBackend()}, not wasm`);
  const loaded = human.models.loaded();
  const missing = REQUIRED_MODELS.filter((name) => !loaded.includes(name));
  if (missing.length > 0) throw new Error(`face models not loaded from ${models}: ${missing.join(', ')}`);
  return human;
}

/** One picture at a time through Human, whichever NeuralFaceModel asks (they share one Human). */
let detectionQueue: Promise<unknown> = Promise.resolve();

/**
 * The neural path's model as the emulator sees it: off, loading, ready or failed, loaded at most
 * once, and used one picture at a time. Instances with the default loader share one Human.
 */
export class NeuralFaceModel {
  readonly enabled: boolean;
  private readonly loader: () => Promise<Human>;
  private human?: Human;
  private loading?: Promise<void>;
  private failure?: Error;
  private loadMilliseconds?: number;
  private readonly loadStartListeners: Array<() => void> = [];

  constructor(options: NeuralFaceModelOptions = {}) {
    this.enabled = options.enabled ?? true;
    this.loader = options.loader ?? loadHuman;
  }

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

  /**
   * Resolves when loading starts, whoever starts it (`npm start` loads the model on the first
   * picture that needs it, and reports the outcome then). Never rejects.
   */
  loadStarted(): Promise<void> {
    return this.loading ? Promise.resolve() : new Promise((started) => this.loadStartListeners.push(started));
  }

  /** Starts loading if nobody has; resolves when loaded, rejects if loading failed. */
  load(): Promise<void> {
    if (!this.enabled) return Promise.reject(new Error('the neural face path is off'));
    if (!this.loading) for (const started of this.loadStartListeners.splice(0)) started();
    this.loading ??= (async () => {
      const started = performance.now();
      try {
        this.human = await this.loader();
        this.loadMilliseconds = performance.now() - started;
      } catch (error) {
        this.failure = error instanceof Error ? error : new Error(String(error));
        throw this.failure;
      }
    })();
    return this.loading;
  }

  /** Faces in `raster`, in the order the model found them. Waits for the model. */
  async detect(raster: RgbRaster, stages: NeuralStages = ALL_STAGES): Promise<NeuralFaceResult[]> {
    await this.load();
    const input = await modelInputOf(raster);
    const run = detectionQueue.then(() => this.run(input, stages));
    detectionQueue = run.catch(() => undefined);
    return run;
  }

  private async run(input: ModelInput, stages: NeuralStages): Promise<NeuralFaceResult[]> {
    const human = this.human!;
    const { canvas } = input;
    const tensor = human.tf.tensor3d(canvas.pixels, [canvas.height, canvas.width, 3], 'int32');
    try {
      // Human merges this into its configuration (it stays until the next call), so both
      // switches are always given.
      const result = await human.detect(tensor, { face: { description: { enabled: stages.description }, emotion: { enabled: stages.emotion } } } as Partial<Config>);
      if (result.error) throw new Error(`face model: ${result.error}`);
      return result.face.map((face) => faceResultOf(face, input, stages));
    } finally {
      human.tf.dispose(tensor);
    }
  }
}

/**
 * What the model is given: the picture shrunk to MODEL_INPUT_SIDE if larger, and, if wider or
 * taller than 4:3, extended with grey (right or bottom) to 4:3. The detector squeezes its input
 * into a 256x256 square: a 3:1 group photo would lose its faces to the squeeze, while padding a
 * 4:3 webcam frame to a square would shrink its faces for nothing. `scaleX`/`scaleY` turn canvas
 * ratios back into picture ratios.
 */
interface ModelInput {
  canvas: RgbRaster;
  scaleX: number;
  scaleY: number;
}

async function modelInputOf(raster: RgbRaster): Promise<ModelInput> {
  const shrink = Math.min(1, MODEL_INPUT_SIDE / Math.max(raster.width, raster.height));
  const width = Math.max(1, Math.round(raster.width * shrink));
  const height = Math.max(1, Math.round(raster.height * shrink));
  const canvasWidth = Math.max(width, Math.ceil((height * 3) / 4));
  const canvasHeight = Math.max(height, Math.ceil((width * 3) / 4));
  const padded = canvasWidth !== width || canvasHeight !== height;
  let image = sharp(raster.pixels, { raw: { width: raster.width, height: raster.height, channels: 3 } });
  if (shrink < 1) image = image.resize(width, height, { fit: 'fill', kernel: 'lanczos3' });
  if (padded) image = image.extend({ right: canvasWidth - width, bottom: canvasHeight - height, background: { r: 128, g: 128, b: 128 } });
  const { data, info } = shrink < 1 || padded ? await image.raw().toBuffer({ resolveWithObject: true }) : { data: Buffer.from(raster.pixels.buffer, raster.pixels.byteOffset, raster.pixels.byteLength), info: { width, height } };
  return {
    canvas: { width: info.width, height: info.height, pixels: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) },
    scaleX: info.width / width,
    scaleY: info.height / height,
  };
}

function faceResultOf(face: FaceResult, { canvas, scaleX, scaleY }: ModelInput, stages: NeuralStages): NeuralFaceResult {
  const [x, y, width, height] = face.box;
  const toX = scaleX / canvas.width;
  const toY = scaleY / canvas.height;
  const angle = face.rotation?.angle ?? { roll: 0, yaw: 0, pitch: 0 };
  return {
    box: [x * toX, y * toY, width * toX, height * toY],
    boxScore: face.boxScore,
    faceScore: face.faceScore,
    mesh: face.mesh.map(([px, py, pz]) => [px * toX, py * toY, pz ?? 0] as [number, number, number]),
    rotation: { roll: angle.roll, yaw: angle.yaw, pitch: angle.pitch },
    ...(face.rotation?.gaze ? { gaze: { bearing: face.rotation.gaze.bearing, strength: face.rotation.gaze.strength } } : {}),
    ...(face.age !== undefined ? { age: face.age } : {}),
    ...(face.gender ? { gender: face.gender, genderScore: face.genderScore } : {}),
    // Human reports an empty list when the emotion model did not run.
    ...(stages.emotion ? { emotions: face.emotion ?? [] } : {}),
    descriptor: Float32Array.from(face.embedding ?? []),
  };
}

/** The process's one model (its weights take about 15 MB; loading it twice would double that). */
let shared: NeuralFaceModel | undefined;
export function sharedNeuralFaceModel(): NeuralFaceModel {
  shared ??= new NeuralFaceModel({ enabled: process.env.FACEKIT_NEURAL_FACES !== 'off' });
  return shared;
}
