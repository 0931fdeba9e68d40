// The one place the matcher touches floating-point image processing: sharp decodes the JPEG or
// PNG and applies a JPEG's EXIF orientation (a lossless pixel permutation); the rest is ours.
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
  /** A progressive JPEG or an interlaced PNG: its decoder holds the whole picture at once. */
  progressive: boolean;
  /** What that whole picture costs its decoder, in bytes (`wholePictureBytes`); 0 when it streams. */
  wholePictureBytes: number;
}

/** Reads the header only; throws if sharp cannot parse it. */
export async function readImageHeader(bytes: Uint8Array, format: ImageFormat): Promise<ImageHeader> {
  return { format, ...(await uprightSize(bytes, format)) };
}

type Size = Pick<ImageHeader, 'width' | 'height'>;

/**
 * Rekognition turns a JPEG upright by its EXIF orientation and takes a PNG as stored: "Images in
 * .png format don't contain Exif metadata", and it "doesn't perform image correction for images in
 * .png format" (the API reference, `OrientationCorrection`), though libvips reads a PNG's eXIf chunk.
 */
const followsExifOrientation = (format: ImageFormat | undefined) => format !== 'png';

async function uprightSize(bytes: Uint8Array, format: ImageFormat | undefined): Promise<Size & Pick<ImageHeader, 'progressive' | 'wholePictureBytes'>> {
  // Only the header is read, so no pixel limit: sharp's default (16383 x 16383) threw here for a
  // 16,400 px square, which answered InvalidImageFormat where the side check says ImageTooLarge.
  const metadata = await (await sharp(bytes, { failOn: 'none', limitInputPixels: false })).metadata();
  if (!metadata.width || !metadata.height) throw new Error('image has no size');
  const turned = followsExifOrientation(format) && (metadata.orientation ?? 1) >= 5;
  const progressive = metadata.isProgressive === true;
  return {
    width: turned ? metadata.height : metadata.width,
    height: turned ? metadata.width : metadata.height,
    progressive,
    wholePictureBytes: progressive ? wholePictureBytes(metadata.width * metadata.height, metadata) : 0,
  };
}

/**
 * The memory a decoder holds for a picture it cannot stream. A progressive JPEG keeps every DCT
 * coefficient (2 bytes) of every sample until its last scan: a sample a pixel for each component
 * at full resolution, fewer for subsampled chroma (4:2:0 is 1.5 a pixel, 4:4:4 is 3, CMYK 4). An
 * interlaced PNG keeps its rows at their own depth (16-bit RGBA: 8 bytes a pixel). Measured
 * against these for 10,000 x 10,000 pictures (an audit, 2026-12-03): 365, 615, 780 and 930 MB
 * for estimates of 300, 600, 800 and 800 MB.
 */
export function wholePictureBytes(pixels: number, { format, chromaSubsampling, channels = 3, depth }: { format?: string; chromaSubsampling?: string; channels?: number; depth?: string }): number {
  if (format === 'jpeg') return pixels * samplesPerPixel(chromaSubsampling, channels) * 2;
  return pixels * channels * (depth === 'ushort' ? 2 : 1);
}

/** Samples a pixel for a JPEG's J:a:b[:alpha] subsampling: a luma, two chroma at (a + b) / 2J, and a fourth at full resolution. */
function samplesPerPixel(chromaSubsampling: string | undefined, channels: number): number {
  const [luma, first, second, fourth] = (chromaSubsampling ?? '').split(':').map(Number);
  if (!luma || first === undefined || second === undefined || Number.isNaN(first + second)) return channels;
  return 1 + (2 * (first + second)) / (2 * luma) + (fourth ? 1 : 0);
}

/**
 * The most a picture that cannot stream may cost (320 MiB): a 10,000 x 10,000 progressive JPEG in
 * 4:2:0, as cameras and web exports save them, passes; the same in 4:4:4 or CMYK, or an interlaced
 * 16-bit PNG of that size (600-930 MB each, from under 1 KB of file), is refused before decoding.
 * A local limit, not Rekognition's: the kit decodes in its one process, where AWS has a fleet.
 */
export const MAX_WHOLE_PICTURE_BYTES = 320 * 1024 * 1024;

/**
 * The most pixels a picture is decoded to: 4096 x 3072, a 12-megapixel phone photo (4032 x 3024)
 * and anything smaller decode at full size. Larger pictures are scaled down while they decode, so
 * a small file that declares 10,000 x 10,000 pixels (a PNG of one colour is 300 KB) costs about
 * 40 MB of pixels rather than 300 MB, for each answer that sends one. Rekognition reports boxes
 * and landmarks as ratios of the picture's size, so the scale does not show in its answers.
 */
export const MAX_DECODED_PIXELS = 4096 * 3072;

/** The size to decode a width x height picture to: itself, or scaled down to MAX_DECODED_PIXELS. */
export function decodedSize(width: number, height: number): Size {
  if (width * height <= MAX_DECODED_PIXELS) return { width, height };
  const scale = Math.sqrt(MAX_DECODED_PIXELS / (width * height));
  return { width: Math.max(1, Math.floor(width * scale)), height: Math.max(1, Math.floor(height * scale)) };
}

/**
 * Decodes to 8-bit sRGB, a JPEG upright per EXIF, at most MAX_DECODED_PIXELS. Throws on
 * undecodable data. `header`, when the caller read it already, spares a second parse of the header.
 */
export async function decodeImage(bytes: Uint8Array, header?: ImageHeader): Promise<RgbRaster> {
  const format = header?.format ?? sniffImageFormat(bytes);
  const upright = header ?? (await uprightSize(bytes, format));
  if (upright.progressive && upright.width * upright.height > MAX_DECODED_PIXELS) {
    return wholePictureDecodes.run(() => decodeUpright(bytes, format, upright));
  }
  return decodeUpright(bytes, format, upright);
}

/**
 * Runs one task at a time, the others waiting in turn; counts the most it ever ran at once.
 */
class OneAtATime {
  private tail: Promise<unknown> = Promise.resolve();
  private running = 0;
  mostAtOnce = 0;

  run<T>(task: () => Promise<T>): Promise<T> {
    const turn = this.tail.then(async () => {
      this.mostAtOnce = Math.max(this.mostAtOnce, ++this.running);
      try {
        return await task();
      } finally {
        this.running -= 1;
      }
    });
    this.tail = turn.catch(() => undefined);
    return turn;
  }
}

/**
 * Decodes of large progressive JPEGs and interlaced PNGs, one at a time. Scaling while decoding
 * does not spare them: libjpeg holds every coefficient of a progressive picture until its last
 * scan, and an interlaced PNG is whole only after its seventh pass, about 3.5 bytes a pixel either
 * way, so a 523-byte JPEG declaring 9,999 x 9,999 pixels cost 360 MB, and four sent at once took
 * the kit from 1.0 to 2.2 GB (an audit, 2026-12-03). Only these wait: a photo up to
 * MAX_DECODED_PIXELS, or a baseline JPEG or non-interlaced PNG of any size (scaled as it streams,
 * about 80 MB for 9,999 x 9,999), never queues behind them.
 */
export const wholePictureDecodes = new OneAtATime();

async function decodeUpright(bytes: Uint8Array, format: ImageFormat | undefined, upright: Size): Promise<RgbRaster> {
  // sequentialRead: libvips streams the rows through the scaling instead of holding the whole picture.
  const image = await sharp(bytes, { failOn: 'truncated', limitInputPixels: 10_000 * 10_000, sequentialRead: true });
  const target = decodedSize(upright.width, upright.height);
  const oriented = followsExifOrientation(format) ? image.rotate() : image;
  const scaled = target.width * target.height < upright.width * upright.height ? oriented.resize(target.width, target.height, { fit: 'fill' }) : oriented;
  const { data, info } = await scaled
    .toColourspace('srgb')
    .removeAlpha()
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`unexpected channel count ${info.channels}`);
  return { width: info.width, height: info.height, pixels: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}
