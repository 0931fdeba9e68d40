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
