// The neural path behind the matcher seam: the model's faces turned into what Rekognition
// reports. Landmarks come from the 468-point face mesh (MediaPipe's indices; Rekognition's
// "eyeLeft" is the eye on the left of the picture), pose from the mesh's rotation, Brightness and
// Sharpness are measured on the face crop, and with Attributes ["ALL"] come the attributes the
// models honestly estimate (age, gender, emotions, smile from the emotion model; eyes and mouth
// open from the mesh). Beard, Mustache, Eyeglasses, Sunglasses, FaceOccluded and EyeDirection
// have no model here and are left out (docs/rekognition.md).
import sharp from 'sharp';
import { QUALITY_RULES, type QualityReason } from './detect-faces.js';
import { EVERYTHING, largestFirst, type FaceMatcher, type FaceNeeds, type FoundFace, type Landmark, type LocatedFace } from './face-matcher.js';
import { neuralDescriptorOf } from './neural-descriptor.js';
import type { NeuralFaceModel, NeuralFaceResult } from './neural-model.js';
import type { RgbRaster } from './raster.js';

/** BlazeFace scores below this were non-faces (a baboon, a rocket plume) in the calibration set. */
export const MIN_DETECTOR_SCORE = 0.55;
/**
 * A photographed face has texture: the median local contrast of its crop was >= 9 luma levels on
 * every real shot measured (dark and soft-focus ones included). Flat-shaded drawings (a disc with
 * two dots and a line, the synthetic path's near misses) are 0-1; the model calls those faces,
 * but they are cartoons, not people.
 */
export const MIN_FACE_TEXTURE = 4;
/** Faces narrower than this (source pixels) are SMALL_BOUNDING_BOX: too few pixels to identify. */
export const MIN_FACE_SIDE = 40;

const MESH = {
  leftEyeLeft: 33,
  leftEyeRight: 133,
  leftEyeUp: 159,
  leftEyeDown: 145,
  rightEyeLeft: 362,
  rightEyeRight: 263,
  rightEyeUp: 386,
  rightEyeDown: 374,
  leftEyeBrowLeft: 70,
  leftEyeBrowUp: 105,
  leftEyeBrowRight: 107,
  rightEyeBrowLeft: 336,
  rightEyeBrowUp: 334,
  rightEyeBrowRight: 300,
  nose: 1,
  noseLeft: 129,
  noseRight: 358,
  mouthLeft: 61,
  mouthRight: 291,
  mouthUp: 0,
  mouthDown: 17,
  innerLipUp: 13,
  innerLipDown: 14,
  upperJawlineLeft: 234,
  midJawlineLeft: 172,
  chinBottom: 152,
  midJawlineRight: 397,
  upperJawlineRight: 454,
  // With iris refinement on, Human appends the iris points after the 468 mesh points: 468-472
  // are the iris on the right of the picture, 473-477 the one on the left (measured on the
  // fixtures). It is off by default (neural-model.ts); the eye-contour centres stand in.
  leftPupil: 473,
  rightPupil: 468,
} as const;

const EMOTION_NAMES: Record<string, string> = {
  happy: 'HAPPY',
  sad: 'SAD',
  angry: 'ANGRY',
  disgust: 'DISGUSTED',
  surprise: 'SURPRISED',
  fear: 'FEAR',
  neutral: 'CALM',
};

export class NeuralMatcher implements FaceMatcher {
  readonly path = 'neural' as const;

  constructor(readonly model: NeuralFaceModel) {}

  findFaces(raster: RgbRaster, needs?: FaceNeeds & { descriptors: true }): Promise<FoundFace[]>;
  findFaces(raster: RgbRaster, needs: FaceNeeds): Promise<LocatedFace[]>;
  async findFaces(raster: RgbRaster, needs: FaceNeeds = EVERYTHING): Promise<LocatedFace[]> {
    // Age and gender come from the description network too.
    const description = needs.descriptors || needs.attributes;
    const results = await this.model.detect(await modelSized(raster), { description, emotion: needs.attributes });
    const faces: LocatedFace[] = [];
    for (const result of results) {
      if (result.boxScore < MIN_DETECTOR_SCORE || result.mesh.length < 468 || (description && result.descriptor.length === 0)) continue;
      const face = await foundFaceOf(result, raster);
      if (face) faces.push(face);
    }
    return largestFirst(faces);
  }
}

async function foundFaceOf(result: NeuralFaceResult, raster: RgbRaster): Promise<LocatedFace | undefined> {
  const [left, top, width, height] = clampBox(result.box);
  if (width <= 0 || height <= 0) return undefined;
  const { texture, ...quality } = await measureQuality(raster, [left, top, width, height]);
  if (texture < MIN_FACE_TEXTURE) return undefined;
  const boundingBox = { Width: round(width, 6), Height: round(height, 6), Left: round(left, 6), Top: round(top, 6) };
  const point = (index: number) => result.mesh[index];
  const at = (Type: string, index: number): Landmark => ({ Type, X: round(point(index)[0], 6), Y: round(point(index)[1], 6) });
  const middle = (Type: string, indices: number[]): Landmark => ({
    Type,
    X: round(indices.reduce((sum, index) => sum + point(index)[0], 0) / indices.length, 6),
    Y: round(indices.reduce((sum, index) => sum + point(index)[1], 0) / indices.length, 6),
  });
  const hasIris = result.mesh.length >= 478;
  const eyeLeft = hasIris ? at('eyeLeft', MESH.leftPupil) : middle('eyeLeft', [MESH.leftEyeLeft, MESH.leftEyeRight, MESH.leftEyeUp, MESH.leftEyeDown]);
  const eyeRight = hasIris ? at('eyeRight', MESH.rightPupil) : middle('eyeRight', [MESH.rightEyeLeft, MESH.rightEyeRight, MESH.rightEyeUp, MESH.rightEyeDown]);
  const landmarks = [eyeLeft, eyeRight, at('nose', MESH.nose), at('mouthLeft', MESH.mouthLeft), at('mouthRight', MESH.mouthRight)];
  const named = (
    [
      'leftEyeBrowLeft',
      'leftEyeBrowRight',
      'leftEyeBrowUp',
      'rightEyeBrowLeft',
      'rightEyeBrowRight',
      'rightEyeBrowUp',
      'leftEyeLeft',
      'leftEyeRight',
      'leftEyeUp',
      'leftEyeDown',
      'rightEyeLeft',
      'rightEyeRight',
      'rightEyeUp',
      'rightEyeDown',
      'noseLeft',
      'noseRight',
      'mouthUp',
      'mouthDown',
    ] as const
  ).map((type) => at(type, MESH[type]));
  const pupils = hasIris ? [at('leftPupil', MESH.leftPupil), at('rightPupil', MESH.rightPupil)] : [{ ...eyeLeft, Type: 'leftPupil' }, { ...eyeRight, Type: 'rightPupil' }];
  const jaw = (['upperJawlineLeft', 'midJawlineLeft', 'chinBottom', 'midJawlineRight', 'upperJawlineRight'] as const).map((type) => at(type, MESH[type]));

  const degrees = (radians: number) => round((radians * 180) / Math.PI, 3);
  const pose = { Roll: degrees(result.rotation.roll), Yaw: degrees(result.rotation.yaw), Pitch: degrees(result.rotation.pitch) };
  const confidence = round(Math.min(1, Math.max(0, result.faceScore)) * 100, 4);
  const widthPixels = width * raster.width;
  const heightPixels = height * raster.height;

  const reasons: QualityReason[] = [];
  if (confidence < QUALITY_RULES.minConfidence) reasons.push('LOW_CONFIDENCE');
  if (Math.abs(pose.Yaw) > QUALITY_RULES.maxYaw || Math.abs(pose.Pitch) > QUALITY_RULES.maxPitch) reasons.push('EXTREME_POSE');
  if (Math.min(widthPixels, heightPixels) < MIN_FACE_SIDE) reasons.push('SMALL_BOUNDING_BOX');
  if (quality.Brightness < QUALITY_RULES.minBrightness) reasons.push('LOW_BRIGHTNESS');
  if (quality.Sharpness < QUALITY_RULES.minSharpness) reasons.push('LOW_SHARPNESS');

  return {
    path: 'neural',
    boundingBox,
    confidence,
    landmarks,
    allLandmarks: [...landmarks, ...named, ...pupils, ...jaw],
    pose,
    quality,
    reasons,
    attributes: attributesOf(result),
    areaPixels: widthPixels * heightPixels,
    ...(result.descriptor.length > 0 ? { descriptor: { path: 'neural' as const, ...neuralDescriptorOf(result.descriptor) } } : {}),
  };
}

function attributesOf(result: NeuralFaceResult): Record<string, unknown> {
  const distance = (a: number, b: number) => Math.hypot(result.mesh[a][0] - result.mesh[b][0], result.mesh[a][1] - result.mesh[b][1]);
  // Eye aspect ratio: lid gap over eye width; about 0.3 open, below 0.1 shut.
  const eyeRatio = (distance(MESH.leftEyeUp, MESH.leftEyeDown) + distance(MESH.rightEyeUp, MESH.rightEyeDown)) / (distance(MESH.leftEyeLeft, MESH.leftEyeRight) + distance(MESH.rightEyeLeft, MESH.rightEyeRight));
  // Inner-lip gap over mouth width; a closed mouth is near 0.
  const mouthRatio = distance(MESH.innerLipUp, MESH.innerLipDown) / Math.max(1e-9, distance(MESH.mouthLeft, MESH.mouthRight));
  const decision = (value: number, cut: number, spread: number) => ({ Value: value > cut, Confidence: round(50 + 50 * Math.min(1, Math.abs(value - cut) / spread), 3) });
  const emotions = (result.emotions ?? [])
    .filter(({ emotion }) => EMOTION_NAMES[emotion])
    .map(({ emotion, score }) => ({ Type: EMOTION_NAMES[emotion], Confidence: round(score * 100, 3) }))
    .sort((left, right) => right.Confidence - left.Confidence);
  const happy = result.emotions?.find(({ emotion }) => emotion === 'happy')?.score ?? 0;
  return {
    ...(result.age !== undefined ? { AgeRange: { Low: Math.max(0, Math.floor(result.age - 5)), High: Math.ceil(result.age + 5) } } : {}),
    // Without the emotion model (no attributes asked for) there is no smile to report.
    ...(result.emotions ? { Smile: { Value: happy >= 0.5, Confidence: round(Math.max(happy, 1 - happy) * 100, 3) } } : {}),
    ...(result.gender === 'male' || result.gender === 'female'
      ? // Human's genderScore is 2|p - 0.5| for the model's probability p; Rekognition's confidence is
        // the probability of the value it names, so never under 50.
        { Gender: { Value: result.gender === 'male' ? 'Male' : 'Female', Confidence: round(50 + 50 * (result.genderScore ?? 0), 3) } }
      : {}),
    EyesOpen: decision(eyeRatio, 0.15, 0.1),
    MouthOpen: decision(mouthRatio, 0.1, 0.1),
    ...(result.emotions ? { Emotions: emotions } : {}),
  };
}

function clampBox([left, top, width, height]: [number, number, number, number]): [number, number, number, number] {
  const x0 = Math.max(0, left);
  const y0 = Math.max(0, top);
  return [x0, y0, Math.min(1, left + width) - x0, Math.min(1, top + height) - y0];
}

/** The side the model thread shrinks a larger picture to (MODEL_INPUT_SIDE in neural-model-worker.mjs). */
const MODEL_INPUT_SIDE = 1024;

/**
 * The picture as the model thread reads it: shrunk here, as the thread would (the same size and
 * kernel, so the same pixels), before it is copied to the thread. A 10,000 x 10,000 JPEG decodes
 * to 12.6 megapixels, 38 MB copied to each thread and resized there; four such answers at once
 * took the kit to 1.7 GB, where the model's own part is a megapixel (attacker audit).
 */
async function modelSized(raster: RgbRaster): Promise<RgbRaster> {
  const shrink = MODEL_INPUT_SIDE / Math.max(raster.width, raster.height);
  if (shrink >= 1) return raster;
  const width = Math.max(1, Math.round(raster.width * shrink));
  const height = Math.max(1, Math.round(raster.height * shrink));
  const { data } = await sharp(raster.pixels, { raw: { width: raster.width, height: raster.height, channels: 3 } })
    .resize(width, height, { fit: 'fill', kernel: 'lanczos3' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width, height, pixels: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/** Largest side the face crop is resampled to (smaller faces keep their own size: upsampling would blur them). */
const QUALITY_CROP_SIDE = 112;

/**
 * Brightness: mean luma of the face crop, 0-100.
 * Sharpness: how steep the crop's edges are, whatever their contrast: the RMS of the Laplacian
 * over the mean gradient. It falls as blur widens edges (measured on the real-face set: 0.8-1.2
 * for sharp photographs, 0.46 after a 1.2 px blur of a 150 px face, 0.31 after 2 px), and is
 * mapped to 0-100 by 100 * (1 - exp(-(ratio - 0.15) / 0.3)), so LOW_SHARPNESS (< 50) starts
 * around a 2 px blur of a webcam-sized face.
 * Texture: the median local contrast (|dx| + |dy|) of the crop.
 */
async function measureQuality(raster: RgbRaster, [left, top, width, height]: [number, number, number, number]): Promise<{ Brightness: number; Sharpness: number; texture: number }> {
  const region = {
    left: Math.min(raster.width - 1, Math.floor(left * raster.width)),
    top: Math.min(raster.height - 1, Math.floor(top * raster.height)),
    width: 0,
    height: 0,
  };
  region.width = Math.max(1, Math.min(raster.width - region.left, Math.round(width * raster.width)));
  region.height = Math.max(1, Math.min(raster.height - region.top, Math.round(height * raster.height)));
  const side = Math.max(8, Math.min(QUALITY_CROP_SIDE, region.width, region.height));
  const { data } = await sharp(raster.pixels, { raw: { width: raster.width, height: raster.height, channels: 3 } })
    .extract(region)
    .resize(side, side, { fit: 'fill' })
    .greyscale()
    .raw()
    .toBuffer({ resolveWithObject: true });
  let luma = 0;
  for (let index = 0; index < side * side; index++) luma += data[index];
  let laplacianSquares = 0;
  let gradientSum = 0;
  const contrastCounts = new Uint32Array(511);
  for (let y = 1; y < side - 1; y++) {
    for (let x = 1; x < side - 1; x++) {
      const index = y * side + x;
      const dx = data[index + 1] - data[index - 1];
      const dy = data[index + side] - data[index - side];
      const laplacian = 4 * data[index] - data[index - 1] - data[index + 1] - data[index - side] - data[index + side];
      laplacianSquares += laplacian * laplacian;
      gradientSum += Math.abs(dx) + Math.abs(dy);
      contrastCounts[Math.abs(dx) + Math.abs(dy)]++;
    }
  }
  const samples = (side - 2) * (side - 2);
  const steepness = gradientSum === 0 ? 0 : Math.sqrt(laplacianSquares / samples) / (gradientSum / samples);
  let texture = 0;
  for (let seen = 0; texture < contrastCounts.length; texture++) {
    seen += contrastCounts[texture];
    if (seen * 2 >= samples) break;
  }
  return {
    Brightness: round(luma / (side * side) / 2.55, 3),
    Sharpness: round(100 * (1 - Math.exp(-Math.max(0, steepness - 0.15) / 0.3)), 3),
    texture,
  };
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
