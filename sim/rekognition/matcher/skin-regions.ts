// The first step of face detection (detect-faces.ts): the picture smoothed with a 3x3 box blur,
// its luma, and the connected regions of skin hue in the smoothed picture, each pixel labelled
// with its region. Done in one pass over the picture, keeping skin as horizontal runs joined by
// union-find rather than as a mask flooded pixel by pixel: the same numbers as the plain
// definition (blur everything, then mask, then label; test/rekognition/skin-regions.test.ts
// holds it) at about half the time, which matters because every photo of every sign-in goes
// through it on the kit's main thread.
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
 * One pass over the working picture, row by row: its 3x3 box blur (edges clamp, rounded), its
 * Rec. 601 luma (integer weights), and the runs of skin in the blurred picture. The same numbers
 * as blurring the whole picture, then masking, then labelling pixel by pixel, at a fraction of
 * the memory traffic: three rows of sums stay in cache, and skin is kept as runs, not a mask.
 */
function scanPicture(raster: RgbRaster): { blurred: Uint8Array; luma: Uint8Array; runs: SkinRuns } {
  const { width, height, pixels } = raster;
  const stride = width * 3;
  const blurred = new Uint8Array(pixels.length);
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
    let runStart = -1;
    for (let x = 0, offset = 0; x < width; x++, offset += 3) {
      const r = ((up[offset] + here[offset] + down[offset] + 4) / 9) | 0;
      const g = ((up[offset + 1] + here[offset + 1] + down[offset + 1] + 4) / 9) | 0;
      const b = ((up[offset + 2] + here[offset + 2] + down[offset + 2] + 4) / 9) | 0;
      const at = row + offset;
      blurred[at] = r;
      blurred[at + 1] = g;
      blurred[at + 2] = b;
      luma[y * width + x] = (77 * pixels[at] + 150 * pixels[at + 1] + 29 * pixels[at + 2] + 128) >> 8;
      if (isSkin(r, g, b)) {
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
  return { blurred, luma, runs };
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
  /** The 3x3 box blur of the picture (edges clamp, rounded), RGB like the picture. */
  blurred: Uint8Array;
  /** Rec. 601 luma of the (unblurred) picture in 0..255, integer weights. */
  luma: Uint8Array;
  /** Each pixel's region number (1-based, in the raster order of the regions' first pixels); 0 = not skin. */
  labels: Int32Array;
  /** The regions, `components[n - 1]` for number n. */
  components: Component[];
}

/** Smooths the picture, and finds its 4-connected regions of skin hue. */
export function findSkinRegions(raster: RgbRaster): SkinRegions {
  const { blurred, luma, runs } = scanPicture(raster);
  const labels = new Int32Array(raster.width * raster.height);
  const components = labelComponents(runs, raster.width, labels);
  return { blurred, luma, labels, components };
}
