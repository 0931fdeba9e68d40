// Turns a request's `Image` ({Bytes} or {S3Object}) into decoded pixels, enforcing Rekognition's
// limits in the order the service checks them: source and size (`read`), then format, dimensions
// and decodability (`decode`).
import type { S3Client } from '@aws-sdk/client-s3';
import { decodeImage, MAX_WHOLE_PICTURE_BYTES, readImageHeader, sniffImageFormat } from './matcher/decode-image.js';
import type { RgbRaster } from './matcher/raster.js';
import { ImageTooLargeError, InvalidImageFormatError, InvalidParameterError, InvalidS3ObjectError } from './errors.js';

export const IMAGE_LIMITS = {
  maxBytes: 5_242_880,
  maxS3ObjectBytes: 15 * 1024 * 1024,
  minSide: 80,
  maxSide: 10_000,
} as const;

/**
 * Reads an object of an S3 served in this same process (the embedded cloud), as Rekognition reads
 * S3 from inside AWS: no signed request over the public endpoint. Undefined when it is missing.
 */
export interface S3ObjectReader {
  readObject(bucket: string, key: string): Promise<Uint8Array | undefined>;
  /**
   * The object's size, known without reading it: a multipart object may be a GiB, which
   * Rekognition refuses (over 15 MB) from its metadata, never by reading it whole.
   */
  objectSize?(bucket: string, key: string): number | undefined;
}

/**
 * Where `S3Object` images come from: an S3 client, a factory given the request's region (the
 * client's endpoint decides which S3 is read), or an S3 in this process.
 */
export type S3ClientSource = S3Client | ((region: string) => S3Client) | S3ObjectReader;

const isObjectReader = (source: S3ClientSource | undefined): source is S3ObjectReader =>
  typeof source === 'object' && typeof (source as Partial<S3ObjectReader>).readObject === 'function';

export class ImageInput {
  private readonly clients = new Map<string, S3Client>();

  constructor(private readonly s3: S3ClientSource | undefined) {}

  /**
   * Checks the picture's format and size, then decodes it; throws the Rekognition exception for
   * each failure. `maxPixels`: a budget of the caller's own (not Rekognition's), checked once the
   * header is read, before the costly decoding; a picture over it throws a plain Error.
   */
  async decode(bytes: Uint8Array, { maxPixels = Infinity }: { maxPixels?: number } = {}): Promise<RgbRaster> {
    const format = sniffImageFormat(bytes);
    if (!format) throw new InvalidImageFormatError();
    let header;
    try {
      header = await readImageHeader(bytes, format);
    } catch {
      throw new InvalidImageFormatError();
    }
    if (header.width > IMAGE_LIMITS.maxSide || header.height > IMAGE_LIMITS.maxSide) throw new ImageTooLargeError();
    if (header.wholePictureBytes > MAX_WHOLE_PICTURE_BYTES) throw new ImageTooLargeError();
    if (header.width < IMAGE_LIMITS.minSide || header.height < IMAGE_LIMITS.minSide) throw new InvalidParameterError();
    if (header.width * header.height > maxPixels) throw new Error(`${header.width} x ${header.height} pixels, over the caller's budget`);
    try {
      return await decodeImage(bytes, header);
    } catch {
      throw new InvalidImageFormatError();
    }
  }

  /** The bytes of a request's `image` ({Bytes} or {S3Object}), checked for what comes before decoding. */
  async read(image: unknown, region: string): Promise<Uint8Array> {
    if (!image || typeof image !== 'object' || Array.isArray(image)) throw new InvalidParameterError();
    const { Bytes: encoded, S3Object: s3Object } = image as Record<string, unknown>;
    if ((encoded === undefined) === (s3Object === undefined)) throw new InvalidParameterError();
    if (encoded !== undefined) {
      if (typeof encoded !== 'string') throw new InvalidParameterError();
      const bytes = Buffer.from(encoded, 'base64');
      if (bytes.length === 0) throw new InvalidParameterError();
      if (bytes.length > IMAGE_LIMITS.maxBytes) throw new ImageTooLargeError();
      return bytes;
    }
    return this.readS3Object(s3Object, region);
  }

  private async readS3Object(s3Object: unknown, region: string): Promise<Uint8Array> {
    if (!s3Object || typeof s3Object !== 'object') throw new InvalidParameterError();
    const { Bucket, Name, Version } = s3Object as Record<string, unknown>;
    if (typeof Bucket !== 'string' || Bucket.length < 3 || Bucket.length > 255) throw new InvalidParameterError();
    if (typeof Name !== 'string' || Name.length < 1 || Name.length > 1024) throw new InvalidParameterError();
    if (Version !== undefined && (typeof Version !== 'string' || Version.length < 1 || Version.length > 1024)) throw new InvalidParameterError();
    const body = isObjectReader(this.s3)
      ? await this.readFromProcess(this.s3, Bucket, Name, Version)
      : await this.readWithClient(region, Bucket, Name, Version);
    if (body.length > IMAGE_LIMITS.maxS3ObjectBytes) throw new ImageTooLargeError();
    if (body.length === 0) throw new InvalidImageFormatError();
    return body;
  }

  /**
   * The in-process S3 keeps no versions (versioning is not emulated): an object's only version is
   * S3's `null` one, so a GetObject of any other fails on S3, which Rekognition reports as
   * InvalidS3ObjectException. Reading the current object instead answered a request for a version
   * that does not exist (or a photo since overwritten) with other bytes.
   */
  private async readFromProcess(reader: S3ObjectReader, bucket: string, key: string, version: string | undefined): Promise<Uint8Array> {
    if (version !== undefined && version !== 'null') throw new InvalidS3ObjectError();
    if ((reader.objectSize?.(bucket, key) ?? 0) > IMAGE_LIMITS.maxS3ObjectBytes) throw new ImageTooLargeError();
    const found = await reader.readObject(bucket, key).catch(() => undefined);
    if (!found) throw new InvalidS3ObjectError();
    return found;
  }

  private async readWithClient(region: string, bucket: string, key: string, version: string | undefined): Promise<Uint8Array> {
    try {
      // Loaded when first needed: the embedded cloud reads its own S3 without an SDK client.
      const { GetObjectCommand } = await import('@aws-sdk/client-s3');
      const response = await (await this.clientFor(region)).send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: version }));
      if (response.ContentLength !== undefined && response.ContentLength > IMAGE_LIMITS.maxS3ObjectBytes) {
        await response.Body?.transformToByteArray().catch(() => undefined);
        throw new ImageTooLargeError();
      }
      return (await response.Body?.transformToByteArray()) ?? new Uint8Array();
    } catch (error) {
      if (error instanceof ImageTooLargeError) throw error;
      throw new InvalidS3ObjectError();
    }
  }

  private async clientFor(region: string): Promise<S3Client> {
    const source = this.s3 as S3Client | ((region: string) => S3Client) | undefined;
    if (source && typeof source !== 'function') return source;
    let client = this.clients.get(region);
    if (!client) {
      client = source ? source(region) : await defaultS3Client(region);
      this.clients.set(region, client);
    }
    return client;
  }
}

/**
 * Without an injected client: path-style addressing (one local host serves every bucket), the
 * endpoint from the SDK's own AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, and the emulators' usual
 * dummy credentials when the environment has none.
 */
async function defaultS3Client(region: string): Promise<S3Client> {
  const { S3Client } = await import('@aws-sdk/client-s3');
  const hasCredentials = Boolean(process.env.AWS_ACCESS_KEY_ID || process.env.AWS_PROFILE);
  return new S3Client({
    region,
    forcePathStyle: true,
    ...(hasCredentials ? {} : { credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }),
  });
}
