// The neural face model's own thread (started by NeuralFaceModel, neural-model.ts): loads
// @vladmandic/human with the models shipped in its package, then reads one picture at a time.
// A picture costs 100-400 ms of CPU; run on the kit's main thread, that held up every other
// request (Cognito, S3, DynamoDB) for as long. Ending this thread is also the only way to give
// back the model's WebAssembly memory, which never shrinks while its module lives.
// Plain JavaScript on purpose: a worker is started by Node itself, outside tsx's or vitest's
// TypeScript loaders (as sim/lambda/function-worker.mjs).
//
// Messages: in, `{ id, width, height, pixels, stages }` (pixels transferred); out, `{ type:
// 'loaded' }` or `{ type: 'load-failed', message }` once, then `{ type: 'faces', id, faces }` or
// `{ type: 'detect-failed', id, message }` per picture, in the order the pictures came.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import sharp from 'sharp';

const require = createRequire(import.meta.url);

/** The model sees pictures no larger than this on their longer side (boxes stay ratios). */
// The main thread shrinks larger pictures to this before they come (neural-matcher.ts, modelSized).
const MODEL_INPUT_SIDE = 1024;

/** The models the neural path cannot work without (Human's names for them). */
const REQUIRED_MODELS = ['blazeface', 'facemesh', 'faceres'];

/** The package's dist folder. Its exports map spells subpaths without "./", so Node refuses
 * `@vladmandic/human/dist/...`: resolve the main entry and go from there. */
function humanDistFolder() {
  return dirname(require.resolve('@vladmandic/human'));
}

function wasmFolder() {
  // Resolves to .../tfjs-backend-wasm/dist/tf-backend-wasm.node.js; the .wasm files sit beside it.
  return dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
}

/**
 * Human loads models with the global fetch, and Node's fetch cannot read file:// URLs. This
 * wrapper (this thread's fetch only) answers file:// URLs inside the models folder from disk and
 * hands every other request to the original fetch untouched.
 */
function installModelFetch(folder) {
  const prefix = pathToFileURL(folder).href + '/';
  const originalFetch = globalThis.fetch;
  globalThis.fetch = async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!url.startsWith(prefix)) return originalFetch(input, init);
    const path = fileURLToPath(url);
    try {
      const body = await readFile(path);
      return new globalThis.Response(body, { status: 200, headers: { 'content-type': path.endsWith('.json') ? 'application/json' : 'application/octet-stream' } });
    } catch {
      return new globalThis.Response(`model file not found: ${path}`, { status: 404 });
    }
  };
}

function configOf(models) {
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
  };
}

/** Human with its models loaded; `models` is the package's own folder unless a test names another. */
async function loadHuman(models) {
  installModelFetch(models);
  const { Human } = require(join(humanDistFolder(), 'human.node-wasm.js'));
  const human = new Human(configOf(models));
  // Human logs a model it cannot fetch and carries on (the check below turns that into a failure),
  // or, for some, fails later on what it did not get.
  try {
    await human.load();
  } catch (error) {
    throw new Error(`face models not loaded from ${models}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (human.tf.getBackend() !== 'wasm') throw new Error(`tfjs backend is ${human.tf.getBackend()}, not wasm`);
  const loaded = human.models.loaded();
  const missing = REQUIRED_MODELS.filter((name) => !loaded.includes(name));
  if (missing.length > 0) throw new Error(`face models not loaded from ${models}: ${missing.join(', ')}`);
  return human;
}

/**
 * What the model is given: the picture shrunk to MODEL_INPUT_SIDE if larger, and, if wider or
 * taller than 4:3, extended with grey (right or bottom) to 4:3. The detector squeezes its input
 * into a 256x256 square: a 3:1 group photo would lose its faces to the squeeze, while padding a
 * 4:3 webcam frame to a square would shrink its faces for nothing. `scaleX`/`scaleY` turn canvas
 * ratios back into picture ratios.
 */
async function modelInputOf(raster) {
  const shrink = Math.min(1, MODEL_INPUT_SIDE / Math.max(raster.width, raster.height));
  const width = Math.max(1, Math.round(raster.width * shrink));
  const height = Math.max(1, Math.round(raster.height * shrink));
  const canvasWidth = Math.max(width, Math.ceil((height * 3) / 4));
  const canvasHeight = Math.max(height, Math.ceil((width * 3) / 4));
  const padded = canvasWidth !== width || canvasHeight !== height;
  let image = sharp(raster.pixels, { raw: { width: raster.width, height: raster.height, channels: 3 } });
  if (shrink < 1) image = image.resize(width, height, { fit: 'fill', kernel: 'lanczos3' });
  if (padded) image = image.extend({ right: canvasWidth - width, bottom: canvasHeight - height, background: { r: 128, g: 128, b: 128 } });
  const { data, info } = shrink < 1 || padded ? await image.raw().toBuffer({ resolveWithObject: true }) : { data: raster.pixels, info: { width, height } };
  return {
    canvas: { width: info.width, height: info.height, pixels: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) },
    scaleX: info.width / width,
    scaleY: info.height / height,
  };
}

/**
 * Roll, yaw and pitch (radians) of the face's axes (Human's matrix: rows are the face's
 * left-to-right, top-to-bottom and outward axes in the picture's frame, y down). Roll is the
 * left-to-right axis's angle in the picture, over the whole circle; yaw and pitch are read once the
 * roll is undone, in the face's own frame. Human's own angles (a YZX decomposition) keep roll
 * within 90 degrees and fold the rest into yaw and pitch: a frontal face turned 90 degrees read
 * roll 82, yaw 107, pitch 107 (an audit, 2026-12-03), refused as EXTREME_POSE where Rekognition
 * reports a roll near 90 and indexes it. For a roll of a few degrees both read the same.
 */
function poseOf([x0, x1, x2, y0, y1, y2, z0, z1, z2]) {
  const roll = Math.atan2(x1, x0);
  const cos = Math.cos(roll);
  const sin = Math.sin(roll);
  // Each axis turned by -roll about the line of sight: the face upright in the picture.
  const unroll = (vx, vy, vz) => [cos * vx + sin * vy, -sin * vx + cos * vy, vz];
  const [ux0] = unroll(x0, x1, x2);
  const [, uy1, uy2] = unroll(y0, y1, y2);
  const [uz0] = unroll(z0, z1, z2);
  return { roll, yaw: Math.atan2(uz0, ux0), pitch: Math.atan2(uy2, uy1) };
}

/** A face as NeuralFaceResult (neural-model.ts) describes it, in ratios of the picture given. */
function faceResultOf(face, { canvas, scaleX, scaleY }, stages) {
  const [x, y, width, height] = face.box;
  const toX = scaleX / canvas.width;
  const toY = scaleY / canvas.height;
  const angle = face.rotation?.matrix ? poseOf(face.rotation.matrix) : (face.rotation?.angle ?? { roll: 0, yaw: 0, pitch: 0 });
  return {
    box: [x * toX, y * toY, width * toX, height * toY],
    boxScore: face.boxScore,
    faceScore: face.faceScore,
    mesh: face.mesh.map(([px, py, pz]) => [px * toX, py * toY, pz ?? 0]),
    rotation: { roll: angle.roll, yaw: angle.yaw, pitch: angle.pitch },
    ...(face.rotation?.gaze ? { gaze: { bearing: face.rotation.gaze.bearing, strength: face.rotation.gaze.strength } } : {}),
    ...(face.age !== undefined ? { age: face.age } : {}),
    ...(face.gender ? { gender: face.gender, genderScore: face.genderScore } : {}),
    // Human reports an empty list when the emotion model did not run.
    ...(stages.emotion ? { emotions: face.emotion ?? [] } : {}),
    descriptor: Float32Array.from(face.embedding ?? []),
  };
}

async function facesIn(human, raster, stages) {
  const input = await modelInputOf(raster);
  const { canvas } = input;
  const tensor = human.tf.tensor3d(canvas.pixels, [canvas.height, canvas.width, 3], 'int32');
  try {
    // Human merges this into its configuration (it stays until the next call), so both
    // switches are always given.
    const result = await human.detect(tensor, { face: { description: { enabled: stages.description }, emotion: { enabled: stages.emotion } } });
    if (result.error) throw new Error(`face model: ${result.error}`);
    return result.face.map((face) => faceResultOf(face, input, stages));
  } finally {
    human.tf.dispose(tensor);
  }
}

let human;
try {
  human = await loadHuman(workerData?.modelsFolder ?? join(humanDistFolder(), '..', 'models'));
  parentPort.postMessage({ type: 'loaded' });
} catch (error) {
  parentPort.postMessage({ type: 'load-failed', message: error instanceof Error ? error.message : String(error) });
}

if (human) {
  // One picture at a time: the WASM backend is single-threaded, so its arithmetic is the same on
  // every run and the same bytes give bit-identical descriptors.
  let queue = Promise.resolve();
  parentPort.on('message', (request) => {
    queue = queue.then(async () => {
      try {
        const faces = await facesIn(human, request, request.stages);
        parentPort.postMessage({ type: 'faces', id: request.id, faces }, faces.map((face) => face.descriptor.buffer));
      } catch (error) {
        parentPort.postMessage({ type: 'detect-failed', id: request.id, message: error instanceof Error ? error.message : String(error) });
      }
    });
  });
}
