// The one place the matcher touches floating-point image processing: sharp decodes the JPEG or
// PNG and applies the EXIF orientation (a lossless pixel permutation); the rest is ours.
import type { RgbRaster } from './raster.js';

/**
 * sharp (libvips) takes a noticeable share of start-up to load, so it is loaded on first use, or
 * ahead of it by `preloadImageDecoder()` once the server answers.
 */
type Sharp = typeof import('sharp').default;
let sharpModule: Promise<Sharp> | undefined;
const loadSharp = (): Promise<Sharp> =>
  (sharpModule ??= import('sharp').then(({ default: loaded }) => {
    // libvips' operation cache (up to 50 MiB and 100 operations by default) keys operations by
    // their input: every picture here is a new buffer, decoded once, so the cache never hits and
    // only keeps memory after a burst. One setting for the process (sharp is one libvips).
    loaded.cache(false);
    return loaded;
  }));
async function sharp(...args: Parameters<Sharp>): Promise<ReturnType<Sharp>> {
  return (await loadSharp())(...args);
}

/** Starts loading the decoder in the background. */
export function preloadImageDecoder(): void {
  loadSharp().catch(() => undefined);
}

export type ImageFormat = 'jpeg' | 'png';

/** JPEG and PNG are recognised by their first bytes, as Rekognition does, not by any name. */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length >= 8 && png.every((byte, index) => bytes[index] === byte)) return 'png';
  return undefined;
}

export interface ImageHeader {
  format: ImageFormat;
  /** Size as displayed, after the EXIF orientation. */
  width: number;
  height: number;
}

/** Reads the header only; throws if sharp cannot parse it. */
export async function readImageHeader(bytes: Uint8Array, format: ImageFormat): Promise<ImageHeader> {
  const metadata = await (await sharp(bytes, { failOn: 'none' })).metadata();
  if (!metadata.width || !metadata.height) throw new Error('image has no size');
  const turned = (metadata.orientation ?? 1) >= 5;
  return { format, width: turned ? metadata.height : metadata.width, height: turned ? metadata.width : metadata.height };
}

/** Decodes to 8-bit sRGB, upright per EXIF. Throws on undecodable data. */
export async function decodeImage(bytes: Uint8Array): Promise<RgbRaster> {
  const { data, info } = await (await sharp(bytes, { failOn: 'truncated', limitInputPixels: 10_000 * 10_000 }))
    .rotate()
    .toColourspace('srgb')
    .removeAlpha()
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`unexpected channel count ${info.channels}`);
  return { width: info.width, height: info.height, pixels: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}
