// What the neural path stores per face and how two faces compare.
//
// The model's 1024-value descriptor (non-negative: it ends in a ReLU) is centred on its own mean
// and scaled to unit length, so the dot product of two of them is their Pearson correlation:
// no population statistics needed, and the large common component every non-negative
// descriptor shares no longer makes strangers look alike. It is stored as 1024 signed bytes
// (the correlation computed on them differs from the float one by about 0.001), which is what
// search reads after a restart, without running the model again.
//
// Search scores every stored face exactly from these bytes (neural-face-index.ts).
//
// Similarity (Rekognition's 0-100) is a fixed piecewise-linear function of the correlation,
// calibrated on real photographs (docs/rekognition.md, bench/real-face-calibration.ts).

export const DESCRIPTOR_LENGTH = 1024;

export interface NeuralDescriptor {
  /** The centred, unit-length descriptor, quantized to signed bytes. */
  vector: Int8Array;
  /** Euclidean length of `vector` (computed from the bytes, so it is exact after a reload). */
  norm: number;
}

/**
 * Calibration anchors: (correlation, similarity), read off the measured distributions
 * (bench/real-face-calibration.ts, table in docs/rekognition.md): genuine pairs (the same person
 * across shots) correlated at 0.52 or more, impostor pairs (different photographs of different
 * people) at 0.35 or less, 99 % of them under 0.29. Threshold 95 sits at 0.40, inside that gap
 * and nearer the impostors, because shots of one person taken on different days vary more than
 * the augmented shots measured here; 99 asks for a close match; 90 and 80 let look-alike
 * strangers in, as they do on Rekognition.
 */
export const SIMILARITY_ANCHORS: readonly (readonly [number, number])[] = [
  [0, 0],
  [0.25, 80],
  [0.33, 90],
  [0.4, 95],
  [0.6, 99],
  [1, 100],
];

/** Turns the model's descriptor into what is stored and searched. */
export function neuralDescriptorOf(raw: Float32Array): NeuralDescriptor {
  if (raw.length !== DESCRIPTOR_LENGTH) throw new Error(`face descriptor has ${raw.length} values, expected ${DESCRIPTOR_LENGTH}`);
  let mean = 0;
  for (const value of raw) mean += value;
  mean /= raw.length;
  let largest = 0;
  for (const value of raw) largest = Math.max(largest, Math.abs(value - mean));
  const vector = new Int8Array(DESCRIPTOR_LENGTH);
  if (largest > 0) for (let index = 0; index < raw.length; index++) vector[index] = Math.round(((raw[index] - mean) / largest) * 127);
  return { vector, norm: normOf(vector) };
}

export function normOf(vector: Int8Array): number {
  let sum = 0;
  for (const value of vector) sum += value * value;
  return Math.sqrt(sum);
}

/** Pearson correlation of two stored descriptors (integer dot product, one division). */
export function correlationOf(left: NeuralDescriptor, right: NeuralDescriptor): number {
  if (left.norm === 0 || right.norm === 0) return 0;
  const a = left.vector;
  const b = right.vector;
  let sum = 0;
  for (let index = 0; index < DESCRIPTOR_LENGTH; index++) sum += a[index] * b[index];
  return sum / (left.norm * right.norm);
}

export function similarityOfCorrelation(correlation: number): number {
  if (correlation <= SIMILARITY_ANCHORS[0][0]) return 0;
  for (let index = 1; index < SIMILARITY_ANCHORS.length; index++) {
    const [r1, s1] = SIMILARITY_ANCHORS[index];
    if (correlation <= r1) {
      const [r0, s0] = SIMILARITY_ANCHORS[index - 1];
      return Math.round((s0 + ((correlation - r0) / (r1 - r0)) * (s1 - s0)) * 10000) / 10000;
    }
  }
  return 100;
}

/** The lowest correlation whose similarity is >= threshold. */
export function correlationForThreshold(threshold: number): number {
  for (let index = 1; index < SIMILARITY_ANCHORS.length; index++) {
    const [r1, s1] = SIMILARITY_ANCHORS[index];
    if (threshold <= s1) {
      const [r0, s0] = SIMILARITY_ANCHORS[index - 1];
      return r0 + ((threshold - s0) / (s1 - s0)) * (r1 - r0);
    }
  }
  return 1;
}

export function neuralDescriptorToJson(descriptor: NeuralDescriptor): { vector: string } {
  return { vector: Buffer.from(descriptor.vector.buffer, descriptor.vector.byteOffset, descriptor.vector.byteLength).toString('base64') };
}

/** Reads a logged descriptor. Logs written before the search became exact also carry a `hash` (a SimHash prefilter), which is ignored. */
export function neuralDescriptorFromJson(json: { vector: string; hash?: string }): NeuralDescriptor {
  const vectorBytes = Buffer.from(json.vector, 'base64');
  if (vectorBytes.length !== DESCRIPTOR_LENGTH) throw new Error('not a neural face descriptor');
  const vector = new Int8Array(DESCRIPTOR_LENGTH);
  vector.set(new Int8Array(vectorBytes.buffer, vectorBytes.byteOffset, vectorBytes.length));
  return { vector, norm: normOf(vector) };
}
