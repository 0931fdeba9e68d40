// The first step of face detection (detect-faces.ts): the picture's luma, and the connected
// regions of skin hue in the picture smoothed with a 3x3 box blur, each pixel labelled with its
// region. Done in one pass over the picture, keeping skin as horizontal runs joined by union-find
// rather than as a mask flooded pixel by pixel, and without keeping the blurred picture (only the
// sharpness check reads it, around the eyes: `blurredRegion`). The same numbers as the plain
// definition (blur everything, then mask, then label; test/rekognition/skin-regions.test.ts holds
// it) at a fraction of the time, which matters because every photo of every sign-in goes through
// it on the kit's main thread.
import type { RgbRaster } from './raster.js';

/** Skin hue: R > G > B, clearly saturated, and R-G between 20 % and 80 % of R-B. */
export function isSkin(r: number, g: number, b: number): boolean {
  if (!(r > g && g > b)) return false;
  const redBlue = r - b;
  const redGreen = r - g;
  return redBlue >= 20 && redGreen * 100 >= redBlue * 20 && redGreen * 100 <= redBlue * 80;
}

export interface Component {
  area: number;
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

/** Horizontal runs of skin pixels, in raster order: run i covers x in [start[i], end[i]) of row[i]. */
class SkinRuns {
  count = 0;
  row = new Int32Array(1024);
  start = new Int32Array(1024);
  end = new Int32Array(1024);

  add(row: number, start: number, end: number): void {
    if (this.count === this.row.length) {
      const grown = (array: Int32Array) => {
        const larger = new Int32Array(array.length * 2);
        larger.set(array);
        return larger;
      };
      this.row = grown(this.row);
      this.start = grown(this.start);
      this.end = grown(this.end);
    }
    this.row[this.count] = row;
    this.start[this.count] = start;
    this.end[this.count] = end;
    this.count++;
  }
}

/** Sums of each sample with its left and right neighbours (same channel; edges clamp) in one row. */
function horizontalSums(pixels: Uint8Array, row: number, stride: number, sums: Uint16Array): void {
  if (stride === 3) {
    for (let channel = 0; channel < 3; channel++) sums[channel] = pixels[row + channel] * 3;
    return;
  }
  for (let channel = 0; channel < 3; channel++) {
    sums[channel] = pixels[row + channel] * 2 + pixels[row + channel + 3];
    sums[stride - 3 + channel] = pixels[row + stride - 6 + channel] + pixels[row + stride - 3 + channel] * 2;
  }
  for (let offset = 3; offset < stride - 3; offset++) sums[offset] = pixels[row + offset - 3] + pixels[row + offset] + pixels[row + offset + 3];
}

/**
 * One pass over the working picture, row by row: its Rec. 601 luma (integer weights), and the
 * runs of skin in its 3x3 box blur (edges clamp, rounded). The same numbers as blurring the whole
 * picture, then masking, then labelling pixel by pixel, at a fraction of the memory traffic: three
 * rows of sums stay in cache, the blurred values are not stored, and skin is kept as runs, not a
 * mask. Green is blurred only where red and blue already allow skin (most pixels of a photo do not).
 */
function scanPicture(raster: RgbRaster): { luma: Uint8Array; runs: SkinRuns } {
  const { width, height, pixels } = raster;
  const stride = width * 3;
  const luma = new Uint8Array(width * height);
  const runs = new SkinRuns();
  let above = new Uint16Array(stride);
  let here = new Uint16Array(stride);
  let below = new Uint16Array(stride);
  horizontalSums(pixels, 0, stride, here);
  for (let y = 0; y < height; y++) {
    if (y + 1 < height) horizontalSums(pixels, (y + 1) * stride, stride, below);
    const up = y > 0 ? above : here;
    const down = y + 1 < height ? below : here;
    const row = y * stride;
    const lumaRow = y * width;
    let runStart = -1;
    for (let x = 0, offset = 0; x < width; x++, offset += 3) {
      const at = row + offset;
      luma[lumaRow + x] = (77 * pixels[at] + 150 * pixels[at + 1] + 29 * pixels[at + 2] + 128) >> 8;
      const r = ((up[offset] + here[offset] + down[offset] + 4) / 9) | 0;
      const b = ((up[offset + 2] + here[offset + 2] + down[offset + 2] + 4) / 9) | 0;
      // isSkin needs R - B >= 20 (which R > G > B implies no less than), so green waits for it.
      const skin = r - b >= 20 && isSkin(r, ((up[offset + 1] + here[offset + 1] + down[offset + 1] + 4) / 9) | 0, b);
      if (skin) {
        if (runStart < 0) runStart = x;
      } else if (runStart >= 0) {
        runs.add(y, runStart, x);
        runStart = -1;
      }
    }
    if (runStart >= 0) runs.add(y, runStart, width);
    const spare = above;
    above = here;
    here = below;
    below = spare;
  }
  return { luma, runs };
}

/**
 * The 3x3 box blur (edges clamp, rounded) of the rectangle at (`left`, `top`), `width` by
 * `height` pixels inside the picture, as RGB rows of that rectangle: the values the skin test saw.
 */
export function blurredRegion(raster: RgbRaster, left: number, top: number, width: number, height: number): Uint8Array {
  const { pixels } = raster;
  const lastX = raster.width - 1;
  const lastY = raster.height - 1;
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const above = Math.max(0, top + y - 1) * raster.width * 3;
    const row = (top + y) * raster.width * 3;
    const below = Math.min(lastY, top + y + 1) * raster.width * 3;
    for (let x = 0; x < width; x++) {
      const leftColumn = Math.max(0, left + x - 1) * 3;
      const column = (left + x) * 3;
      const rightColumn = Math.min(lastX, left + x + 1) * 3;
      const target = (y * width + x) * 3;
      for (let channel = 0; channel < 3; channel++) {
        const sum =
          pixels[above + leftColumn + channel] + pixels[above + column + channel] + pixels[above + rightColumn + channel] +
          pixels[row + leftColumn + channel] + pixels[row + column + channel] + pixels[row + rightColumn + channel] +
          pixels[below + leftColumn + channel] + pixels[below + column + channel] + pixels[below + rightColumn + channel];
        out[target + channel] = ((sum + 4) / 9) | 0;
      }
    }
  }
  return out;
}

/**
 * 4-connected components of the skin runs, numbered from 1 in the raster order of their first
 * pixel, with each pixel's number written into `labels` (0 = none). Runs of adjacent rows that
 * share a column are joined (union-find).
 */
function labelComponents(runs: SkinRuns, width: number, labels: Int32Array): Component[] {
  const { count, row, start, end } = runs;
  const parent = new Int32Array(count);
  for (let index = 0; index < count; index++) parent[index] = index;
  const find = (index: number): number => {
    let root = index;
    while (parent[root] !== root) root = parent[root];
    while (parent[index] !== root) {
      const next = parent[index];
      parent[index] = root;
      index = next;
    }
    return root;
  };
  // Walk each row's runs alongside the previous row's, both sorted by x.
  let previousFirst = 0;
  let previousEnd = 0;
  for (let index = 0; index < count; ) {
    const y = row[index];
    let rowEnd = index;
    while (rowEnd < count && row[rowEnd] === y) rowEnd++;
    if (previousEnd > previousFirst && row[previousFirst] !== y - 1) previousFirst = previousEnd;
    let above = previousFirst;
    for (let current = index; current < rowEnd; current++) {
      while (above < previousEnd && end[above] <= start[current]) above++;
      for (let overlap = above; overlap < previousEnd && start[overlap] < end[current]; overlap++) {
        const a = find(current);
        const b = find(overlap);
        // The smaller index (earlier in raster order) stays the root.
        if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
      }
    }
    previousFirst = index;
    previousEnd = rowEnd;
    index = rowEnd;
  }
  const components: Component[] = [];
  const labelOfRoot = new Int32Array(count);
  for (let index = 0; index < count; index++) {
    const root = find(index);
    let label = labelOfRoot[root];
    if (label === 0) {
      components.push({ area: 0, minX: width, minY: row[index], maxX: -1, maxY: -1 });
      label = labelOfRoot[root] = components.length;
    }
    const component = components[label - 1];
    const y = row[index];
    component.area += end[index] - start[index];
    if (start[index] < component.minX) component.minX = start[index];
    if (end[index] - 1 > component.maxX) component.maxX = end[index] - 1;
    if (y < component.minY) component.minY = y;
    if (y > component.maxY) component.maxY = y;
    labels.fill(label, y * width + start[index], y * width + end[index]);
  }
  return components;
}

export interface SkinRegions {
  /** Rec. 601 luma of the (unblurred) picture in 0..255, integer weights. */
  luma: Uint8Array;
  /** Each pixel's region number (1-based, in the raster order of the regions' first pixels); 0 = not skin. */
  labels: Int32Array;
  /** The regions, `components[n - 1]` for number n. */
  components: Component[];
}

/** The picture's luma, and its 4-connected regions of skin hue (in the 3x3 box blur). */
export function findSkinRegions(raster: RgbRaster): SkinRegions {
  const { luma, runs } = scanPicture(raster);
  const labels = new Int32Array(raster.width * raster.height);
  const components = labelComponents(runs, raster.width, labels);
  return { luma, labels, components };
}
