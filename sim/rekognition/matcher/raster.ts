// The matcher's view of a picture: 8-bit RGB after sharp's decode and EXIF rotation. Everything
// from here on is integer arithmetic, or IEEE double + - * / and sqrt (exactly rounded on every
// machine), so the same bytes give the same faces and hashes everywhere.

export interface RgbRaster {
  width: number;
  height: number;
  /** width * height * 3 bytes, row-major RGB. */
  pixels: Uint8Array;
}

/** Detection and hashing work on pictures no larger than this on their longer side. */
export const WORKING_SIDE = 800;

/** Box-averages by the smallest integer factor that brings the longer side to WORKING_SIDE. */
export function toWorkingRaster(raster: RgbRaster): { raster: RgbRaster; factor: number } {
  const factor = Math.max(1, Math.ceil(Math.max(raster.width, raster.height) / WORKING_SIDE));
  if (factor === 1) return { raster, factor };
  const width = Math.floor(raster.width / factor);
  const height = Math.floor(raster.height / factor);
  const pixels = new Uint8Array(width * height * 3);
  const area = factor * factor;
  const half = area >> 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let dy = 0; dy < factor; dy++) {
        let source = ((y * factor + dy) * raster.width + x * factor) * 3;
        for (let dx = 0; dx < factor; dx++) {
          r += raster.pixels[source];
          g += raster.pixels[source + 1];
          b += raster.pixels[source + 2];
          source += 3;
        }
      }
      const target = (y * width + x) * 3;
      pixels[target] = Math.floor((r + half) / area);
      pixels[target + 1] = Math.floor((g + half) / area);
      pixels[target + 2] = Math.floor((b + half) / area);
    }
  }
  return { raster: { width, height, pixels }, factor };
}

/** Rec. 601 luma in 0..255, integer weights. */
export function lumaOf(raster: RgbRaster): Uint8Array {
  const luma = new Uint8Array(raster.width * raster.height);
  const { pixels } = raster;
  for (let index = 0, source = 0; index < luma.length; index++, source += 3) {
    luma[index] = (77 * pixels[source] + 150 * pixels[source + 1] + 29 * pixels[source + 2] + 128) >> 8;
  }
  return luma;
}

/** 3x3 box blur of an RGB raster (edges clamp), separable integer sums, rounded. */
export function boxBlur3(raster: RgbRaster): Uint8Array {
  const { width, height, pixels } = raster;
  const stride = width * 3;
  const rowSums = new Uint16Array(pixels.length);
  for (let y = 0; y < height; y++) {
    const row = y * stride;
    for (let channel = 0; channel < 3; channel++) {
      // Edge pixels repeat themselves (clamp); the interior needs no bounds checks.
      const first = row + channel;
      const last = row + stride - 3 + channel;
      if (width === 1) {
        rowSums[first] = pixels[first] * 3;
        continue;
      }
      rowSums[first] = pixels[first] * 2 + pixels[first + 3];
      for (let offset = first + 3; offset < last; offset += 3) rowSums[offset] = pixels[offset - 3] + pixels[offset] + pixels[offset + 3];
      rowSums[last] = pixels[last - 3] + pixels[last] * 2;
    }
  }
  const out = new Uint8Array(pixels.length);
  for (let y = 0; y < height; y++) {
    const up = (y > 0 ? y - 1 : 0) * stride;
    const here = y * stride;
    const down = (y < height - 1 ? y + 1 : y) * stride;
    for (let offset = 0; offset < stride; offset++) {
      out[here + offset] = ((rowSums[up + offset] + rowSums[here + offset] + rowSums[down + offset] + 4) / 9) | 0;
    }
  }
  return out;
}
