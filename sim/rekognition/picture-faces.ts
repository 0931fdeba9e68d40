// The faces of a request's picture, and the same work started ahead when the embedded S3 stores
// a picture. A face sign-in PUTs its photo, and Verify asks Rekognition to search that object
// 10-20 ms later (the client's answer, Cognito's turn, Verify's reads and its count of the
// attempt). Decoding and the synthetic detector are most of that search (about 4 and 7 ms for a
// 480 px photo here); started as the object is stored, they run while the answer makes its way
// (the decoding on libvips's threads, the detector between the main thread's other requests),
// and the search finds them done. That took 2-3 ms off a sequential sign-in's p50, not the whole
// search: the detector still shares the main thread with the requests of that wait.
//
// Nothing an operation answers changes. What a request takes is what it would have computed: the
// same checks and the same synthetic detector on the same bytes, found again by their SHA-256,
// once. Faces found are the answer, as FaceFinder answers the synthetic path's faces before
// any other; none found spares a real photograph that pass on its way to the neural path; a
// failed check leaves the request to fail it again and report it. The work ahead is skipped
// whenever it would cost for nothing, or more than a sign-in costs: large objects, pictures of
// many pixels, objects that are not JPEG or PNG, more than a few at a time; the request then does
// it all, as it did before.
import { createHash } from 'node:crypto';
import type { FaceFinder } from './face-finder.js';
import type { ImageInput } from './image-input.js';
import type { FaceNeeds, FoundFace, LocatedFace } from './matcher/face-matcher.js';
import { sniffImageFormat } from './matcher/decode-image.js';
import { syntheticMatcher } from './matcher/synthetic-matcher.js';

export interface PictureFacesOptions {
  /** Larger stored objects are not looked at ahead (a face photo is tens of KB). Default 1 MiB. */
  maxAheadBytes?: number;
  /**
   * Pictures of more pixels are not decoded ahead (read from the header). Default 2048 x 1536,
   * the largest photo the kit's page sends; a small file can declare 10,000 x 10,000 pixels, and
   * a PUT must not buy more work than a sign-in does.
   */
  maxAheadPixels?: number;
  /** Pictures looked at ahead at the same time; more uploads meanwhile are left to the request. Default 2. */
  maxAheadAtOnce?: number;
  /** Results kept for a request that has not come yet; the oldest goes first. Default 32. */
  maxKept?: number;
}

export class PictureFaces {
  /** By the picture's SHA-256, oldest first: the synthetic path's faces found ahead (undefined: a check failed). */
  private readonly ahead = new Map<string, Promise<FoundFace[] | undefined>>();
  private aheadInProgress = 0;
  private readonly maxAheadBytes: number;
  private readonly maxAheadPixels: number;
  private readonly maxAheadAtOnce: number;
  private readonly maxKept: number;

  constructor(
    private readonly images: ImageInput,
    private readonly finder: FaceFinder,
    options: PictureFacesOptions = {},
  ) {
    this.maxAheadBytes = options.maxAheadBytes ?? 1024 * 1024;
    this.maxAheadPixels = options.maxAheadPixels ?? 2048 * 1536;
    this.maxAheadAtOnce = options.maxAheadAtOnce ?? 2;
    this.maxKept = options.maxKept ?? 32;
  }

  /** Every face of a request's `Image`, largest first; throws Rekognition's exception for a bad one. */
  facesIn(image: unknown, region: string, needs: FaceNeeds & { descriptors: true }): Promise<FoundFace[]>;
  facesIn(image: unknown, region: string, needs: FaceNeeds): Promise<LocatedFace[]>;
  async facesIn(image: unknown, region: string, needs: FaceNeeds): Promise<LocatedFace[]> {
    const bytes = await this.images.read(image, region);
    const foundAhead = await this.takeAhead(bytes);
    if (foundAhead && foundAhead.length > 0) return foundAhead;
    // Decoded again rather than kept: a picture's pixels are a megabyte, its faces a few hundred bytes.
    const raster = await this.images.decode(bytes);
    return this.finder.findFaces(raster, needs, { syntheticFaces: foundAhead });
  }

  /**
   * A picture was stored (the embedded S3's PUT): start what a request for it would do. Only the
   * SHA-256 is taken in the caller's turn (as the PUT's MD5 is); the decoding and the detector go
   * on after it, so the PUT's answer is not held for them.
   */
  noticeStored(bytes: Uint8Array): void {
    if (bytes.length > this.maxAheadBytes || this.aheadInProgress >= this.maxAheadAtOnce || !sniffImageFormat(bytes)) return;
    const key = digestOf(bytes);
    if (this.ahead.has(key)) return;
    this.aheadInProgress += 1;
    const found = new Promise<void>((turnOver) => setImmediate(turnOver))
      .then(async (): Promise<FoundFace[] | undefined> => syntheticMatcher.findFaces(await this.images.decode(bytes, { maxPixels: this.maxAheadPixels })))
      // A picture that fails a check fails it again in the request, which reports it.
      .catch(() => undefined)
      .finally(() => {
        this.aheadInProgress -= 1;
      });
    this.ahead.set(key, found);
    if (this.ahead.size > this.maxKept) this.ahead.delete(this.ahead.keys().next().value!);
  }

  /**
   * The synthetic path's faces found ahead in `bytes` (an empty list: it has none), once: no two
   * requests share the objects. Undefined when nobody looked, or a check failed.
   */
  private async takeAhead(bytes: Uint8Array): Promise<FoundFace[] | undefined> {
    // Stryker disable next-line ConditionalExpression: equivalent, it only spares hashing when nothing waits
    if (this.ahead.size === 0) return undefined;
    const key = digestOf(bytes);
    const found = this.ahead.get(key);
    this.ahead.delete(key);
    return found;
  }
}

function digestOf(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('base64');
}
