// The neural face path's model: @vladmandic/human 3.3.6 (BlazeFace detector, MediaPipe face
// mesh, the `faceres` description network, an emotion classifier) on TensorFlow.js's
// WebAssembly backend. Chosen because it ships every model inside the npm package (no download at
// run time), runs on CPU in Node without a native binary (tfjs-node needs one fetched at install,
// impossible offline), and gives a 1024-value face descriptor plus age, gender and emotions.
//
// The model runs in a worker thread of its own (neural-model-worker.mjs), one picture at a time:
// a picture costs 100-400 ms of CPU, which on the kit's one event loop held up every other
// request. The WASM backend is single-threaded there, so its arithmetic is the same on every run
// and the same bytes give bit-identical descriptors, whichever thread reads them. The thread is
// started on first use (`FACEKIT_NEURAL_FACES=preload` makes `npm start` start it after its banner
// and keep it), a second one while pictures queue behind the first (so a burst uses two cores), and
// each is ended after a quiet spell, which is the only way to give back the model's WebAssembly
// memory.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { RgbRaster } from './raster.js';

export type NeuralModelStatus = 'off' | 'not loaded' | 'loading' | 'ready' | 'failed';

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

/** The model's thread ends after this long without a picture, unless configured otherwise. */
export const DEFAULT_IDLE_RELEASE_MS = 60_000;

export interface NeuralFaceModelOptions {
  /** false: the neural path is off (FACEKIT_NEURAL_FACES=off). */
  enabled?: boolean;
  /**
   * How long the model stays loaded after its last picture; then its thread ends and its memory
   * goes back to the system, and the next picture loads it again. Infinity: never. Default 60 s.
   */
  idleReleaseMs?: number;
  /** Where the thread reads the model files; tests name a folder without them to make loading fail. Default: the npm package's. */
  modelsFolder?: string;
  /**
   * The most threads the model may run in at once (each holds its own 75-190 MiB while loaded).
   * Default 1; `npm start` uses FACEKIT_NEURAL_THREADS, or 2 on a machine with two cores or more.
   */
  threads?: number;
  /** The thread's script; tests give one that crashes. Default: neural-model-worker.mjs. */
  threadScript?: URL;
}

/**
 * The neural path's model as the emulator sees it: off, not loaded, loading, ready or failed.
 * It lives in threads of their own: one started when a picture (or `load()`) needs it, and a
 * second (up to `threads`) when a picture arrives while every loaded thread already has one in
 * hand, so that a burst of real photos uses more than one core. Each thread ends after
 * `idleReleaseMs` without a picture, or when it crashes; with none left, the next picture starts
 * one again. A failed first load is final, as it was when the model lived on the main thread.
 */
export class NeuralFaceModel {
  readonly enabled: boolean;
  readonly idleReleaseMs: number;
  /** The most threads the model runs in at once. */
  readonly threads: number;
  private readonly threadOptions: { script: URL; modelsFolder?: string };
  /** Every thread started and not yet ended, oldest first (loading or loaded). */
  private pool: ModelThread[] = [];
  /** Resolves once a thread of the pool is loaded; undefined while the pool is empty. */
  private loading?: Promise<void>;
  private failure?: Error;
  private loadMilliseconds?: number;
  private threadsStarted = 0;
  private kept = false;
  private readonly releaseTimers = new Map<ModelThread, NodeJS.Timeout>();
  private readonly loadStartListeners: Array<() => void> = [];

  constructor(options: NeuralFaceModelOptions = {}) {
    this.enabled = options.enabled ?? true;
    this.idleReleaseMs = options.idleReleaseMs ?? DEFAULT_IDLE_RELEASE_MS;
    this.threads = Math.max(1, Math.floor(options.threads ?? 1));
    this.threadOptions = { script: options.threadScript ?? new URL('./neural-model-worker.mjs', import.meta.url), modelsFolder: options.modelsFolder };
  }

  get status(): NeuralModelStatus {
    if (!this.enabled) return 'off';
    if (this.failure) return 'failed';
    if (this.pool.length === 0) return 'not loaded';
    return this.pool.some((thread) => thread.isLoaded) ? 'ready' : 'loading';
  }

  /** Why loading failed (for the startup message). */
  get error(): Error | undefined {
    return this.failure;
  }

  /** How long the latest load took, in milliseconds. */
  get loadTime(): number | undefined {
    return this.loadMilliseconds;
  }

  /** How many times the model has started loading: once per thread started (a second thread, a reload after a release or a crash). */
  get loads(): number {
    return this.threadsStarted;
  }

  /** How many threads hold the model or are loading it now. */
  get threadsRunning(): number {
    return this.pool.length;
  }

  /** The pictures each loaded thread has in hand, oldest thread first. */
  get picturesInHand(): number[] {
    return this.pool.filter((thread) => thread.isLoaded).map((thread) => thread.pending);
  }

  /**
   * Resolves when loading starts, whoever starts it (`npm start` loads the model on the first
   * picture that needs it, and reports the outcome then). Never rejects.
   */
  loadStarted(): Promise<void> {
    return this.loading ? Promise.resolve() : new Promise((started) => this.loadStartListeners.push(started));
  }

  /** Starts loading if the model is not loaded or loading; resolves when loaded, rejects if loading failed. */
  load(): Promise<void> {
    if (!this.enabled) return Promise.reject(new Error('the neural face path is off'));
    if (this.failure) return Promise.reject(this.failure);
    return this.loading ?? this.startThread();
  }

  /** Loads the model and keeps one thread of it loaded however long it stays idle (`FACEKIT_NEURAL_FACES=preload`, the test harness). */
  keepLoaded(): Promise<void> {
    this.kept = true;
    return this.load();
  }

  /** Faces in `raster`, in the order the model found them. Waits for the model. */
  async detect(raster: RgbRaster, stages: NeuralStages = ALL_STAGES): Promise<NeuralFaceResult[]> {
    await this.load();
    // load() resolved in this same turn of the event loop: neither a release nor a crash (both
    // come in later turns) can have ended every loaded thread since.
    const loaded = this.pool.filter((thread) => thread.isLoaded);
    const thread = loaded.reduce((least, candidate) => (candidate.pending < least.pending ? candidate : least));
    // Every loaded thread already has a picture in hand: one more thread, if the pool has room
    // and none is loading yet. This picture goes to the queue of the least busy thread meanwhile.
    if (thread.pending > 0 && this.pool.length < this.threads && loaded.length === this.pool.length) void this.startThread().catch(() => undefined);
    clearTimeout(this.releaseTimers.get(thread));
    return thread.detect(raster, stages);
  }

  private startThread(): Promise<void> {
    const started = performance.now();
    const thread = new ModelThread(this.threadOptions, {
      onIdle: () => this.releaseWhenIdle(thread),
      onEnd: () => this.forget(thread),
    });
    this.pool.push(thread);
    this.threadsStarted += 1;
    const first = this.pool.length === 1;
    const loaded = thread.loaded.then(
      () => {
        this.loadMilliseconds = performance.now() - started;
        this.releaseWhenIdle(thread);
      },
      (error: Error) => {
        // Only the first thread's failure is final: a second one failing (memory, say) leaves the model as it was.
        if (first && !this.pool.some((other) => other.isLoaded)) this.failure = error;
        throw error;
      },
    );
    if (first) {
      this.loading = loaded;
      for (const listener of this.loadStartListeners.splice(0)) listener();
    }
    return loaded;
  }

  /** A thread that ended (released, crashed, failed to load) leaves the pool; with no loaded thread left, the next picture loads one. */
  private forget(thread: ModelThread): void {
    this.pool = this.pool.filter((other) => other !== thread);
    clearTimeout(this.releaseTimers.get(thread));
    this.releaseTimers.delete(thread);
    if (this.pool.some((other) => other.isLoaded)) return;
    // A thread still loading (started as a second one) becomes the one the next picture waits for.
    const next = this.pool[0];
    this.loading = next?.loaded.then(() => undefined);
  }

  /** (Re)starts a thread's idle countdown; the thread ends when it runs out with no picture in hand. */
  private releaseWhenIdle(thread: ModelThread): void {
    if (!Number.isFinite(this.idleReleaseMs)) return;
    clearTimeout(this.releaseTimers.get(thread));
    const timer = setTimeout(() => {
      this.releaseTimers.delete(thread);
      if (!thread.isLoaded || thread.busy) return;
      // A model kept loaded keeps one thread; the others end as usual.
      if (this.kept && this.pool.filter((other) => other.isLoaded).length <= 1) return;
      thread.end();
      this.forget(thread);
    }, this.idleReleaseMs);
    // A quiet kit (or a test run) ends without waiting for the release.
    timer.unref();
    this.releaseTimers.set(thread, timer);
  }
}

/** What the thread answers (neural-model-worker.mjs). */
type ThreadMessage =
  | { type: 'loaded' }
  | { type: 'load-failed'; message: string }
  | { type: 'faces'; id: number; faces: NeuralFaceResult[] }
  | { type: 'detect-failed'; id: number; message: string };

interface PendingPicture {
  found(faces: NeuralFaceResult[]): void;
  failed(error: Error): void;
}

/** One worker thread with the model loaded in it, from its start to its end (released, or crashed). */
class ModelThread {
  readonly loaded: Promise<void>;
  isLoaded = false;
  private readonly worker: Worker;
  private readonly pendingPictures = new Map<number, PendingPicture>();
  private nextId = 0;
  /** What made the thread crash (an exception nothing caught there), reported with its end. */
  private crash?: Error;

  constructor(
    options: { script: URL; modelsFolder?: string },
    private readonly events: { onIdle(): void; onEnd(): void },
  ) {
    this.worker = new Worker(options.script, {
      workerData: { modelsFolder: options.modelsFolder },
      // The host's loaders (tsx, vitest) have no business in the thread; a CPU profile of the
      // host (`node --cpu-prof`) covers it too.
      execArgv: process.execArgv.filter((flag) => flag.startsWith('--cpu-prof')),
    });
    this.loaded = new Promise<void>((loaded, failed) => {
      this.worker.on('message', (message: ThreadMessage) => {
        if (message.type === 'loaded') {
          this.isLoaded = true;
          loaded();
          this.holdProcessWhileBusy();
        } else if (message.type === 'load-failed') {
          failed(new Error(message.message));
          this.end();
        } else {
          const picture = this.pendingPictures.get(message.id);
          this.pendingPictures.delete(message.id);
          if (message.type === 'faces') picture?.found(message.faces);
          else picture?.failed(new Error(message.message));
          this.holdProcessWhileBusy();
          if (this.pendingPictures.size === 0) this.events.onIdle();
        }
      });
      this.worker.on('error', (error) => {
        this.crash = error;
      });
      // An answer that cannot be read leaves its picture unanswered: end the thread, which fails it.
      this.worker.on('messageerror', () => this.end());
      this.worker.on('exit', (code) => {
        const how = this.crash ? `crashed (${this.crash.message})` : `exited with code ${code}`;
        if (!this.isLoaded) failed(new Error(`the neural face model's thread ${how} while loading`, { cause: this.crash }));
        for (const picture of this.pendingPictures.values()) picture.failed(new Error(`the neural face model's thread ${how} while reading a picture`, { cause: this.crash }));
        this.pendingPictures.clear();
        this.events.onEnd();
      });
    });
    // Failures surface through NeuralFaceModel.load(); this keeps an unobserved one from being "unhandled".
    this.loaded.catch(() => undefined);
  }

  /** Whether a picture is being read or waits to be. */
  get busy(): boolean {
    return this.pendingPictures.size > 0;
  }

  /** How many pictures the thread has in hand (one being read, the rest queued behind it). */
  get pending(): number {
    return this.pendingPictures.size;
  }

  detect(raster: RgbRaster, stages: NeuralStages): Promise<NeuralFaceResult[]> {
    const id = this.nextId++;
    // A copy the thread owns (handed over, not copied again): the caller goes on reading `raster`.
    const pixels = new Uint8Array(raster.pixels);
    const answer = new Promise<NeuralFaceResult[]>((found, failed) => this.pendingPictures.set(id, { found, failed }));
    this.worker.postMessage({ id, width: raster.width, height: raster.height, pixels, stages }, [pixels.buffer]);
    this.holdProcessWhileBusy();
    return answer;
  }

  /** Ends the thread; its memory goes back to the system, and pictures still pending fail. */
  end(): void {
    void this.worker.terminate();
  }

  /** A loading or busy thread keeps the process alive (a script awaiting a picture); an idle one does not. */
  private holdProcessWhileBusy(): void {
    if (!this.isLoaded || this.busy) this.worker.ref();
    else this.worker.unref();
  }
}

/** FACEKIT_NEURAL_IDLE_MS: milliseconds, or `never`; anything else means the default. */
export function idleReleaseMsOf(setting: string | undefined): number {
  if (setting?.trim().toLowerCase() === 'never') return Infinity;
  const milliseconds = Number(setting);
  return setting && Number.isInteger(milliseconds) && milliseconds > 0 ? milliseconds : DEFAULT_IDLE_RELEASE_MS;
}

/**
 * FACEKIT_NEURAL_THREADS: how many threads the model may run in at once, a whole number from 1 to
 * the cores there are; anything else means the default, 2 where there are two cores or more (a
 * picture uses one core, and each thread holds its own copy of the model).
 */
export function neuralThreadsOf(setting: string | undefined, cores = availableParallelism()): number {
  const threads = Number(setting);
  if (setting && Number.isInteger(threads) && threads >= 1 && threads <= cores) return threads;
  return Math.min(2, cores);
}

/** The process's one model (each loaded copy holds 75-190 MiB). */
let shared: NeuralFaceModel | undefined;
export function sharedNeuralFaceModel(): NeuralFaceModel {
  shared ??= new NeuralFaceModel({
    enabled: process.env.FACEKIT_NEURAL_FACES !== 'off',
    idleReleaseMs: idleReleaseMsOf(process.env.FACEKIT_NEURAL_IDLE_MS),
    threads: neuralThreadsOf(process.env.FACEKIT_NEURAL_THREADS),
  });
  return shared;
}
