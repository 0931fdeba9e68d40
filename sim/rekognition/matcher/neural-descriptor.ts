// What the neural path stores per face and how two faces compare.
//
// The model's 1024-value descriptor (non-negative: it ends in a ReLU) is centred on its own mean
// and scaled to unit length, so the dot product of two of them is their Pearson correlation:
// no population statistics needed, and the large common component every non-negative
// descriptor shares no longer makes strangers look alike. It is stored as 1024 signed bytes
// (the correlation computed on them differs from the float one by about 0.001), which is what
// search reads after a restart, without running the model again.
//
// Search cannot afford 1024 multiplications per stored face at 100,000 faces, so each face also
// gets a 1024-bit sign hash (SimHash: the side of 1024 fixed hyperplanes it falls on).
// The Hamming distance between two hashes estimates the angle between the descriptors; a scan
// of the hashes keeps the faces that can plausibly reach the threshold, and only those are
// scored exactly.
//
// Similarity (Rekognition's 0-100) is a fixed piecewise-linear function of the correlation,
// calibrated on real photographs (docs/rekognition.md, bench/real-face-calibration.ts).

export const DESCRIPTOR_LENGTH = 1024;
export const NEURAL_HASH_BITS = 1024;
export const NEURAL_HASH_WORDS = NEURAL_HASH_BITS / 32;

export interface NeuralDescriptor {
  /** The centred, unit-length descriptor, quantized to signed bytes. */
  vector: Int8Array;
  /** Euclidean length of `vector` (computed from the bytes, so it is exact after a reload). */
  norm: number;
  /** SimHash of the descriptor: bit i = side of hyperplane i. */
  hash: Uint32Array;
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

/**
 * The hyperplanes are the rows of a fixed random rotation, H·D2·H·D1 (H the 1024-point
 * Walsh-Hadamard transform, D1 and D2 fixed random signs from an xorshift32 stream): a structured
 * stand-in for 1024 random hyperplanes that costs 20,000 additions instead of a million, on
 * integers only, so every machine gets the same bits.
 */
const RANDOM_SIGNS: Int8Array = (() => {
  const signs = new Int8Array(2 * DESCRIPTOR_LENGTH);
  let state = 0x9e3779b9;
  for (let index = 0; index < signs.length; index++) {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    signs[index] = state & 1 ? 1 : -1;
  }
  return signs;
})();

/** In-place unnormalised Walsh-Hadamard transform (length a power of two). */
function hadamard(values: Float64Array): void {
  for (let span = 1; span < values.length; span <<= 1) {
    for (let start = 0; start < values.length; start += span << 1) {
      for (let index = start; index < start + span; index++) {
        const a = values[index];
        const b = values[index + span];
        values[index] = a + b;
        values[index + span] = a - b;
      }
    }
  }
}

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
  return { vector, norm: normOf(vector), hash: simHashOf(vector) };
}

export function normOf(vector: Int8Array): number {
  let sum = 0;
  for (const value of vector) sum += value * value;
  return Math.sqrt(sum);
}

function simHashOf(vector: Int8Array): Uint32Array {
  const values = new Float64Array(DESCRIPTOR_LENGTH);
  for (let index = 0; index < DESCRIPTOR_LENGTH; index++) values[index] = vector[index] * RANDOM_SIGNS[index];
  hadamard(values);
  for (let index = 0; index < DESCRIPTOR_LENGTH; index++) values[index] *= RANDOM_SIGNS[DESCRIPTOR_LENGTH + index];
  hadamard(values);
  const hash = new Uint32Array(NEURAL_HASH_WORDS);
  for (let bit = 0; bit < NEURAL_HASH_BITS; bit++) if (values[bit] >= 0) hash[bit >>> 5] |= 1 << (bit & 31);
  return hash;
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

/**
 * The largest Hamming distance (over the first `bits` bits of the hash) a face at `threshold` can plausibly have: the expected distance
 * for that correlation's angle plus five standard deviations of the estimate, so the hash scan
 * drops a true match with probability below 1e-6 while still skipping most strangers at the
 * thresholds sign-in uses (95). Loose thresholds (<= 80) end up scoring most faces exactly.
 */
export function maxHammingForThreshold(threshold: number, bits = NEURAL_HASH_BITS): number {
  if (threshold <= 0) return bits;
  const angle = Math.acos(Math.min(1, Math.max(-1, correlationForThreshold(threshold))));
  const share = angle / Math.PI;
  return Math.min(bits, Math.ceil(bits * share + 5 * Math.sqrt(bits * share * (1 - share))));
}

export function neuralDescriptorToJson(descriptor: NeuralDescriptor): { vector: string; hash: string } {
  return {
    vector: Buffer.from(descriptor.vector.buffer, descriptor.vector.byteOffset, descriptor.vector.byteLength).toString('base64'),
    hash: Buffer.from(descriptor.hash.buffer, descriptor.hash.byteOffset, descriptor.hash.byteLength).toString('base64'),
  };
}

export function neuralDescriptorFromJson(json: { vector: string; hash: string }): NeuralDescriptor {
  const vectorBytes = Buffer.from(json.vector, 'base64');
  const hashBytes = Buffer.from(json.hash, 'base64');
  if (vectorBytes.length !== DESCRIPTOR_LENGTH || hashBytes.length !== NEURAL_HASH_WORDS * 4) throw new Error('not a neural face descriptor');
  const vector = new Int8Array(DESCRIPTOR_LENGTH);
  vector.set(new Int8Array(vectorBytes.buffer, vectorBytes.byteOffset, vectorBytes.length));
  const hash = new Uint32Array(NEURAL_HASH_WORDS);
  new Uint8Array(hash.buffer).set(hashBytes);
  return { vector, norm: normOf(vector), hash };
}
