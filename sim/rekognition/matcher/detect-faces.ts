// Face detection for the synthetic species (sim/faces/species.ts). A face is a region of skin
// hue that is an ellipse (taller than wide) containing two eye-like holes and a mouth-like hole
// in the species' geometry. Skin is judged by hue (the ratios of R-G to R-B), which brightness
// and contrast changes leave alone; the face is then aligned on its eyes and its identity
// patches are read into a 128-bit hash.
import { CELL_SIZE, FACE_ELLIPSE, IDENTITY_CELLS, MOUTH, NOSE } from '../../faces/species.js';
import { HASH_WORDS, type FaceHash } from './face-hash.js';
import { toWorkingRaster, type RgbRaster } from './raster.js';
import { blurredRegion, findSkinRegions, type Component } from './skin-regions.js';

export type QualityReason = 'SMALL_BOUNDING_BOX' | 'LOW_BRIGHTNESS' | 'LOW_SHARPNESS' | 'EXTREME_POSE' | 'LOW_CONFIDENCE';

export interface Box {
  Width: number;
  Height: number;
  Left: number;
  Top: number;
}

export interface DetectedFace {
  /** Ratios of the (EXIF-oriented) picture. */
  boundingBox: Box;
  confidence: number;
  landmarks: { Type: string; X: number; Y: number }[];
  pose: { Roll: number; Yaw: number; Pitch: number };
  quality: { Brightness: number; Sharpness: number };
  /** Quality problems found, worst first (empty for a good face). */
  reasons: QualityReason[];
  /** Eye distance in working pixels: the scale at which the hash was read. */
  eyeDistance: number;
  /** Area of the bounding box in source pixels, to rank faces by size. */
  areaPixels: number;
  hash: FaceHash;
}

/** Thresholds of the quality rules, in the units of FaceDetail.Quality / Pose. */
export const QUALITY_RULES = {
  /** Faces whose eyes are closer than this (working pixels) are SMALL_BOUNDING_BOX. */
  minEyeDistance: 28,
  minBrightness: 20,
  minSharpness: 50,
  maxYaw: 45,
  maxPitch: 45,
  minConfidence: 90,
} as const;

const MIN_FACE_AREA = 150;
const MIN_ELLIPSE_OVERLAP = 0.88;
/** Variance of the mouth along the eye line over its variance across it: a width-to-height ratio of at least 1.5. */
const MIN_MOUTH_SPREAD_RATIO = 1.5 * 1.5;

interface Hole {
  area: number;
  x: number;
  y: number;
  /** Spread (variance) along x, y and their covariance. */
  xx: number;
  yy: number;
  xy: number;
  lumaSum: number;
}

interface Point {
  x: number;
  y: number;
}

/** Finds every face in the picture, largest first. */
export function detectFaces(source: RgbRaster): DetectedFace[] {
  const { raster, factor } = toWorkingRaster(source);
  const { width, height } = raster;
  const { luma, labels, components } = findSkinRegions(raster);
  const faces: DetectedFace[] = [];
  components.forEach((component, index) => {
    if (component.area < MIN_FACE_AREA) return;
    const face = analyzeCandidate(component, index + 1, labels, { width, height, luma, working: raster, factor, source });
    if (face) faces.push(face);
  });
  return faces.sort((left, right) => right.areaPixels - left.areaPixels || left.boundingBox.Left - right.boundingBox.Left);
}

interface Picture {
  width: number;
  height: number;
  luma: Uint8Array;
  /** The picture detection works on (`factor` times smaller than `source`); the skin mask is of its 3x3 blur. */
  working: RgbRaster;
  factor: number;
  source: RgbRaster;
}

function analyzeCandidate(component: Component, label: number, labels: Int32Array, picture: Picture): DetectedFace | undefined {
  const { width, luma } = picture;
  // Local window one pixel larger than the component, so the outside can be flooded from its border.
  const x0 = component.minX - 1;
  const y0 = component.minY - 1;
  const localWidth = component.maxX - component.minX + 3;
  const localHeight = component.maxY - component.minY + 3;
  const OUTSIDE = 2;
  const local = new Uint8Array(localWidth * localHeight);
  for (let y = 0; y < localHeight; y++) {
    for (let x = 0; x < localWidth; x++) {
      const gx = x + x0;
      const gy = y + y0;
      if (gx >= 0 && gy >= 0 && gx < width && gy < picture.height && labels[gy * width + gx] === label) local[y * localWidth + x] = 1;
    }
  }
  floodFrom(local, localWidth, localHeight, 0, OUTSIDE);

  // Moments of the filled shape (skin plus the holes inside it).
  let n = 0;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  let skinLuma = 0;
  for (let y = 0; y < localHeight; y++) {
    for (let x = 0; x < localWidth; x++) {
      const value = local[y * localWidth + x];
      if (value === OUTSIDE) continue;
      n++;
      sx += x;
      sy += y;
      sxx += x * x;
      syy += y * y;
      sxy += x * y;
      if (value === 1) skinLuma += luma[(y + y0) * width + x + x0];
    }
  }
  const mx = sx / n;
  const my = sy / n;
  const cxx = sxx / n - mx * mx;
  const cyy = syy / n - my * my;
  const cxy = sxy / n - mx * my;
  const spread = Math.sqrt(((cxx - cyy) * (cxx - cyy)) / 4 + cxy * cxy);
  const major = (cxx + cyy) / 2 + spread;
  const minor = (cxx + cyy) / 2 - spread;
  if (minor <= 0) return undefined;
  const semiMajor = 2 * Math.sqrt(major);
  const semiMinor = 2 * Math.sqrt(minor);
  const aspect = semiMajor / semiMinor;
  if (aspect < 1.15 || aspect > 1.75) return undefined;
  // Major axis direction (unit vector).
  let axisX = cxy !== 0 ? major - cyy : cxx >= cyy ? 1 : 0;
  let axisY = cxy !== 0 ? cxy : cxx >= cyy ? 0 : 1;
  const axisLength = Math.sqrt(axisX * axisX + axisY * axisY);
  axisX /= axisLength;
  axisY /= axisLength;

  if (ellipseOverlap(local, localWidth, localHeight, mx, my, axisX, axisY, semiMajor, semiMinor) < MIN_ELLIPSE_OVERLAP) return undefined;

  const holes = findHoles(local, localWidth, localHeight, picture, x0, y0).filter((hole) => hole.area >= Math.max(3, n * 0.0008));
  const features = findFeatures(holes, { x: mx, y: my }, { x: axisX, y: axisY }, semiMinor);
  if (!features) return undefined;
  const { leftEye, rightEye, mouth, score } = features;

  const eyeDistance = Math.sqrt((rightEye.x - leftEye.x) ** 2 + (rightEye.y - leftEye.y) ** 2);
  const ex = { x: (rightEye.x - leftEye.x) / eyeDistance, y: (rightEye.y - leftEye.y) / eyeDistance };
  const ey = { x: -ex.y, y: ex.x };
  const mid = { x: (leftEye.x + rightEye.x) / 2, y: (leftEye.y + rightEye.y) / 2 };
  const toMouth = { x: mouth.x - mid.x, y: mouth.y - mid.y };
  const lateral = (toMouth.x * ex.x + toMouth.y * ex.y) / eyeDistance;
  const down = (toMouth.x * ey.x + toMouth.y * ey.y) / eyeDistance;

  // The mouth's drop below the eyes gives the vertical scale: a photo stretched or squeezed after
  // the camera (a wrong aspect ratio) moves the lower patches by more than a patch otherwise.
  const hash = readIdentityHash(picture, { x: mid.x + x0, y: mid.y + y0 }, ex, ey, eyeDistance, down / MOUTH.centerY);

  const skinPixels = component.area;
  const brightness = skinLuma / skinPixels / 2.55;
  const eyeLuma = (leftEye.lumaSum + rightEye.lumaSum) / (leftEye.area + rightEye.area);
  const sharpness = sharpnessAround(picture, [leftEye, rightEye].map((eye) => ({ x: eye.x + x0, y: eye.y + y0 })), eyeDistance, skinLuma / skinPixels - eyeLuma);
  const confidence = Math.max(0, 100 - 10 * score);
  const pose = {
    Roll: round((Math.atan2(ex.y, ex.x) * 180) / Math.PI, 3),
    Yaw: round((Math.asin(clamp(lateral / 0.6, -1, 1)) * 180) / Math.PI, 3),
    Pitch: round(clamp((down / MOUTH.centerY - 1) * 100, -90, 90), 3),
  };
  const reasons: QualityReason[] = [];
  if (confidence < QUALITY_RULES.minConfidence) reasons.push('LOW_CONFIDENCE');
  if (Math.abs(pose.Yaw) > QUALITY_RULES.maxYaw || Math.abs(pose.Pitch) > QUALITY_RULES.maxPitch) reasons.push('EXTREME_POSE');
  if (eyeDistance < QUALITY_RULES.minEyeDistance) reasons.push('SMALL_BOUNDING_BOX');
  if (brightness < QUALITY_RULES.minBrightness) reasons.push('LOW_BRIGHTNESS');
  if (sharpness < QUALITY_RULES.minSharpness) reasons.push('LOW_SHARPNESS');

  const { factor, source } = picture;
  const toRatio = (point: Point) => ({ X: round(((point.x + x0 + 0.5) * factor) / source.width, 6), Y: round(((point.y + y0 + 0.5) * factor) / source.height, 6) });
  const mouthHalfWidth = 2 * Math.sqrt(Math.max(0, mouth.xx * ex.x * ex.x + 2 * mouth.xy * ex.x * ex.y + mouth.yy * ex.y * ex.y));
  const nose = { x: mid.x + ey.x * NOSE.centerY * eyeDistance + ex.x * lateral * eyeDistance * 0.5, y: mid.y + ey.y * NOSE.centerY * eyeDistance + ex.y * lateral * eyeDistance * 0.5 };
  const landmarks = [
    { Type: 'eyeLeft', ...toRatio(leftEye) },
    { Type: 'eyeRight', ...toRatio(rightEye) },
    { Type: 'nose', ...toRatio(nose) },
    { Type: 'mouthLeft', ...toRatio({ x: mouth.x - ex.x * mouthHalfWidth, y: mouth.y - ex.y * mouthHalfWidth }) },
    { Type: 'mouthRight', ...toRatio({ x: mouth.x + ex.x * mouthHalfWidth, y: mouth.y + ex.y * mouthHalfWidth }) },
  ];
  const boxWidth = (component.maxX - component.minX + 1) * factor;
  const boxHeight = (component.maxY - component.minY + 1) * factor;
  return {
    boundingBox: {
      Width: round(boxWidth / source.width, 6),
      Height: round(boxHeight / source.height, 6),
      Left: round((component.minX * factor) / source.width, 6),
      Top: round((component.minY * factor) / source.height, 6),
    },
    confidence: round(confidence, 4),
    landmarks,
    pose,
    quality: { Brightness: round(brightness, 3), Sharpness: round(sharpness, 3) },
    reasons,
    eyeDistance,
    areaPixels: boxWidth * boxHeight,
    hash,
  };
}

/** Marks every `0` cell reachable from the window border with `mark`. */
function floodFrom(local: Uint8Array, width: number, height: number, value: number, mark: number): void {
  const queue = new Int32Array(width * height);
  let tail = 0;
  const push = (index: number) => {
    if (local[index] === value) {
      local[index] = mark;
      queue[tail++] = index;
    }
  };
  for (let x = 0; x < width; x++) {
    push(x);
    push((height - 1) * width + x);
  }
  for (let y = 0; y < height; y++) {
    push(y * width);
    push(y * width + width - 1);
  }
  for (let head = 0; head < tail; head++) {
    const index = queue[head];
    const x = index % width;
    if (x > 0) push(index - 1);
    if (x < width - 1) push(index + 1);
    if (index >= width) push(index - width);
    if (index < width * (height - 1)) push(index + width);
  }
}

/** Share of the filled shape and the moment ellipse that agree (intersection over union). */
function ellipseOverlap(local: Uint8Array, width: number, height: number, cx: number, cy: number, axisX: number, axisY: number, semiMajor: number, semiMinor: number): number {
  let intersection = 0;
  let union = 0;
  let inWindow = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const dx = x - cx;
      const dy = y - cy;
      const along = (dx * axisX + dy * axisY) / semiMajor;
      const across = (-dx * axisY + dy * axisX) / semiMinor;
      const inEllipse = along * along + across * across <= 1;
      const inShape = local[y * width + x] !== 2;
      if (inEllipse) inWindow++;
      if (inEllipse && inShape) intersection++;
      if (inEllipse || inShape) union++;
    }
  }
  // Ellipse pixels beyond the window are outside the shape: they count towards the union only.
  const ellipseArea = Math.PI * semiMajor * semiMinor;
  union += Math.max(0, ellipseArea - inWindow);
  return intersection / union;
}

/** Connected regions of non-skin enclosed by the face (value 0 after the outside flood). */
function findHoles(local: Uint8Array, width: number, height: number, picture: Picture, x0: number, y0: number): Hole[] {
  const holes: Hole[] = [];
  const queue = new Int32Array(width * height);
  const HOLE_DONE = 3;
  for (let start = 0; start < local.length; start++) {
    if (local[start] !== 0) continue;
    const hole: Hole = { area: 0, x: 0, y: 0, xx: 0, yy: 0, xy: 0, lumaSum: 0 };
    let tail = 0;
    local[start] = HOLE_DONE;
    queue[tail++] = start;
    for (let head = 0; head < tail; head++) {
      const index = queue[head];
      const x = index % width;
      const y = (index - x) / width;
      hole.area++;
      hole.x += x;
      hole.y += y;
      hole.xx += x * x;
      hole.yy += y * y;
      hole.xy += x * y;
      hole.lumaSum += picture.luma[(y + y0) * picture.width + x + x0];
      if (x > 0 && local[index - 1] === 0) {
        local[index - 1] = HOLE_DONE;
        queue[tail++] = index - 1;
      }
      if (x < width - 1 && local[index + 1] === 0) {
        local[index + 1] = HOLE_DONE;
        queue[tail++] = index + 1;
      }
      if (index >= width && local[index - width] === 0) {
        local[index - width] = HOLE_DONE;
        queue[tail++] = index - width;
      }
      if (index + width < local.length && local[index + width] === 0) {
        local[index + width] = HOLE_DONE;
        queue[tail++] = index + width;
      }
    }
    const mx = hole.x / hole.area;
    const my = hole.y / hole.area;
    holes.push({ ...hole, x: mx, y: my, xx: hole.xx / hole.area - mx * mx, yy: hole.yy / hole.area - my * my, xy: hole.xy / hole.area - mx * my });
  }
  return holes.sort((left, right) => right.area - left.area || left.y - right.y || left.x - right.x);
}

/**
 * Picks the eyes and the mouth among the holes: two similar holes about one minor semi-axis
 * apart, and a third below their midpoint at the species' mouth distance. Returns the best fit
 * and its residual (0 = perfect species geometry).
 */
function findFeatures(holes: Hole[], center: Point, majorAxis: Point, semiMinor: number): { leftEye: Hole; rightEye: Hole; mouth: Hole; score: number } | undefined {
  const top = holes.slice(0, 6);
  let best: { leftEye: Hole; rightEye: Hole; mouth: Hole; score: number } | undefined;
  for (let i = 0; i < top.length; i++) {
    for (let j = i + 1; j < top.length; j++) {
      for (let k = 0; k < top.length; k++) {
        if (k === i || k === j) continue;
        let first = top[i];
        let second = top[j];
        const mouth = top[k];
        const eyeDistance = Math.sqrt((second.x - first.x) ** 2 + (second.y - first.y) ** 2);
        if (eyeDistance < 4) continue;
        const sizeResidual = Math.abs(eyeDistance / (semiMinor * FACE_ELLIPSE.semiAxisX) - 1);
        if (sizeResidual > 0.35) continue;
        // Eyes of a small face next to a dark patch lose edge pixels to the smoothed skin mask,
        // so their areas may differ a lot; geometry decides.
        const eyeAreaRatio = Math.max(first.area, second.area) / Math.min(first.area, second.area);
        if (eyeAreaRatio > 4) continue;
        let ex = { x: (second.x - first.x) / eyeDistance, y: (second.y - first.y) / eyeDistance };
        // The eye line crosses the face's long axis (within 30 degrees of square to it). Eyes and
        // mouth form a nearly isosceles triangle, so without this an eye and the mouth, taken for
        // the two eyes, fit the other rules almost as well and win when a colour cast or recompression
        // distorts the holes (the face is then read turned by about 120 degrees).
        if (Math.abs(ex.x * majorAxis.x + ex.y * majorAxis.y) > 0.5) continue;
        let ey = { x: -ex.y, y: ex.x };
        const mid = { x: (first.x + second.x) / 2, y: (first.y + second.y) / 2 };
        let down = ((mouth.x - mid.x) * ey.x + (mouth.y - mid.y) * ey.y) / eyeDistance;
        if (down < 0) {
          // The mouth is below the eyes: name the eyes so that x runs from left to right eye.
          [first, second] = [second, first];
          ex = { x: -ex.x, y: -ex.y };
          ey = { x: -ey.x, y: -ey.y };
          down = -down;
        }
        const lateral = ((mouth.x - mid.x) * ex.x + (mouth.y - mid.y) * ex.y) / eyeDistance;
        // A mouth is wider than it is tall, along the eye line (the species' is about 4:1, a real
        // one at least 2:1); a round dot that happens to sit where a mouth goes is not one.
        const mouthAlong = mouth.xx * ex.x * ex.x + 2 * mouth.xy * ex.x * ex.y + mouth.yy * ex.y * ex.y;
        const mouthAcross = mouth.xx * ey.x * ey.x + 2 * mouth.xy * ey.x * ey.y + mouth.yy * ey.y * ey.y;
        if (mouthAlong < MIN_MOUTH_SPREAD_RATIO * mouthAcross) continue;
        const mouthResidual = Math.abs(down / MOUTH.centerY - 1);
        if (mouthResidual > 0.35 || Math.abs(lateral) > 0.7) continue;
        const predictedCenter = { x: mid.x + ey.x * FACE_ELLIPSE.centerY * eyeDistance, y: mid.y + ey.y * FACE_ELLIPSE.centerY * eyeDistance };
        const centerResidual = Math.sqrt((predictedCenter.x - center.x) ** 2 + (predictedCenter.y - center.y) ** 2) / eyeDistance;
        if (centerResidual > 0.3) continue;
        const score = sizeResidual + mouthResidual + centerResidual + (eyeAreaRatio - 1) * 0.05;
        if (!best || score < best.score) best = { leftEye: first, rightEye: second, mouth, score };
      }
    }
  }
  return best;
}

/** Bilinear luma at a point (working pixels), clamped to the picture. */
function sampleLuma(picture: Picture, x: number, y: number): number {
  const { width, height, luma } = picture;
  const cx = clamp(x - 0.5, 0, width - 1);
  const cy = clamp(y - 0.5, 0, height - 1);
  const left = Math.floor(cx);
  const top = Math.floor(cy);
  const right = Math.min(left + 1, width - 1);
  const bottom = Math.min(top + 1, height - 1);
  const fx = cx - left;
  const fy = cy - top;
  const upper = luma[top * width + left] * (1 - fx) + luma[top * width + right] * fx;
  const lower = luma[bottom * width + left] * (1 - fx) + luma[bottom * width + right] * fx;
  return upper * (1 - fy) + lower * fy;
}

// Sample points inside each patch: a 4x4 grid over its middle 60 %, away from patch borders
// that a slightly misplaced eye estimate would blur together.
const PATCH_SAMPLE_OFFSETS = [-0.3, -0.1, 0.1, 0.3].map((offset) => offset * CELL_SIZE);

/** Reads each identity patch's mean luma; bit = patch is in the lighter half. */
function readIdentityHash(picture: Picture, mid: Point, ex: Point, ey: Point, eyeDistance: number, verticalScale: number): FaceHash {
  const values = IDENTITY_CELLS.map((cell) => {
    let sum = 0;
    for (const dv of PATCH_SAMPLE_OFFSETS) {
      for (const du of PATCH_SAMPLE_OFFSETS) {
        const u = (cell.u + du) * eyeDistance;
        const v = (cell.v + dv) * eyeDistance * verticalScale;
        // +0.5: hole centroids are pixel indices, samples are in continuous coordinates.
        sum += sampleLuma(picture, mid.x + 0.5 + u * ex.x + v * ey.x, mid.y + 0.5 + u * ex.y + v * ey.y);
      }
    }
    return sum;
  });
  const ranked = values.map((value, index) => ({ value, index })).sort((left, right) => right.value - left.value || left.index - right.index);
  const hash = new Uint32Array(HASH_WORDS);
  for (const { index } of ranked.slice(0, values.length / 2)) hash[index >>> 5] |= 1 << (index & 31);
  return hash;
}

/**
 * Sharpness from how steep the eye edges are: the skin-to-eye contrast divided by the
 * steepest gradients around the eyes gives the edge width in pixels (about 3 for a crisp
 * edge after the 3x3 smoothing). 100 = crisp, 0 = an edge 12 or more pixels wide.
 */
function sharpnessAround(picture: Picture, eyes: Point[], eyeDistance: number, contrast: number): number {
  if (contrast <= 1) return 0;
  const { width, height, working } = picture;
  const radius = Math.max(3, Math.ceil(0.35 * eyeDistance));
  // The 8 steepest squared gradients, kept sorted descending.
  const strongest = new Array<number>(8).fill(0);
  for (const eye of eyes) {
    const cx = Math.round(eye.x);
    const cy = Math.round(eye.y);
    const top = Math.max(1, cy - radius);
    const bottom = Math.min(height - 2, cy + radius);
    const left = Math.max(1, cx - radius);
    const right = Math.min(width - 2, cx + radius);
    if (bottom < top || right < left) continue;
    // The blurred window one pixel larger than the eye's square, for the central differences.
    const windowWidth = right - left + 3;
    const blurred = blurredRegion(working, left - 1, top - 1, windowWidth, bottom - top + 3);
    const lumaAt = (x: number, y: number) => {
      const index = ((y - top + 1) * windowWidth + (x - left + 1)) * 3;
      return (77 * blurred[index] + 150 * blurred[index + 1] + 29 * blurred[index + 2]) / 256;
    };
    for (let y = top; y <= bottom; y++) {
      for (let x = left; x <= right; x++) {
        const gx = (lumaAt(x + 1, y) - lumaAt(x - 1, y)) / 2;
        const gy = (lumaAt(x, y + 1) - lumaAt(x, y - 1)) / 2;
        let value = gx * gx + gy * gy;
        if (value <= strongest[7]) continue;
        for (let rank = 0; rank < 8; rank++) {
          if (value > strongest[rank]) [strongest[rank], value] = [value, strongest[rank]];
        }
      }
    }
  }
  const gradient = Math.sqrt(strongest.reduce((sum, value) => sum + value, 0) / strongest.length);
  const edgeWidth = contrast / Math.max(gradient, 1e-9);
  return clamp(((12 - edgeWidth) / 9) * 100, 0, 100);
}

function clamp(value: number, low: number, high: number): number {
  return value < low ? low : value > high ? high : value;
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
