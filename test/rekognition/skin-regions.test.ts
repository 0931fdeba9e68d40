// findSkinRegions (one pass, runs and union-find) and blurredRegion against the plain definition
// they replaced: blur the whole picture, mask its skin, flood-fill the mask pixel by pixel. Same
// numbers required, on the edge cases of the blur (pictures 1 and 2 pixels wide or tall, windows
// at the borders), of the skin test (colours on either side of each of its bounds) and of the
// labelling (regions touching only diagonally, U shapes that join below, single pixels), and on a
// real synthetic face.
import { describe, expect, it } from 'vitest';
import { generateFace } from '../../sim/faces/generate-face.js';
import { SeededRandom } from '../../sim/faces/seeded-random.js';
import { decodeImage } from '../../sim/rekognition/matcher/decode-image.js';
import type { RgbRaster } from '../../sim/rekognition/matcher/raster.js';
import { blurredRegion, findSkinRegions, isSkin } from '../../sim/rekognition/matcher/skin-regions.js';

/** 3x3 box blur, edges clamp, rounded: the definition. */
function referenceBlur({ width, height, pixels }: RgbRaster): Uint8Array {
  const out = new Uint8Array(pixels.length);
  const at = (x: number, y: number, channel: number) =>
    pixels[(Math.min(height - 1, Math.max(0, y)) * width + Math.min(width - 1, Math.max(0, x))) * 3 + channel];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let channel = 0; channel < 3; channel++) {
        let sum = 0;
        for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) sum += at(x + dx, y + dy, channel);
        out[(y * width + x) * 3 + channel] = Math.floor((sum + 4) / 9);
      }
    }
  }
  return out;
}

function referenceLuma({ width, height, pixels }: RgbRaster): Uint8Array {
  const luma = new Uint8Array(width * height);
  for (let index = 0; index < luma.length; index++) {
    luma[index] = (77 * pixels[index * 3] + 150 * pixels[index * 3 + 1] + 29 * pixels[index * 3 + 2] + 128) >> 8;
  }
  return luma;
}

/** Flood fill of the skin mask in raster order, 4-connected; returns labels and each region's area and box. */
function referenceLabels(blurred: Uint8Array, width: number, height: number) {
  const skin = (index: number) => isSkin(blurred[index * 3], blurred[index * 3 + 1], blurred[index * 3 + 2]);
  const labels = new Int32Array(width * height);
  const components: { area: number; minX: number; minY: number; maxX: number; maxY: number }[] = [];
  for (let start = 0; start < labels.length; start++) {
    if (!skin(start) || labels[start] !== 0) continue;
    const label = components.length + 1;
    const component = { area: 0, minX: width, minY: height, maxX: -1, maxY: -1 };
    const stack = [start];
    labels[start] = label;
    while (stack.length > 0) {
      const index = stack.pop()!;
      const x = index % width;
      const y = Math.floor(index / width);
      component.area++;
      component.minX = Math.min(component.minX, x);
      component.maxX = Math.max(component.maxX, x);
      component.minY = Math.min(component.minY, y);
      component.maxY = Math.max(component.maxY, y);
      const neighbours = [x > 0 ? index - 1 : -1, x < width - 1 ? index + 1 : -1, y > 0 ? index - width : -1, y < height - 1 ? index + width : -1];
      for (const next of neighbours) {
        if (next >= 0 && labels[next] === 0 && skin(next)) {
          labels[next] = label;
          stack.push(next);
        }
      }
    }
    components.push(component);
  }
  return { labels, components };
}

/** The rectangle's rows cut out of a whole blurred picture. */
function cutOut(blurred: Uint8Array, pictureWidth: number, left: number, top: number, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) out.set(blurred.subarray(((top + y) * pictureWidth + left) * 3, ((top + y) * pictureWidth + left + width) * 3), y * width * 3);
  return out;
}

function expectSameAsReference(raster: RgbRaster): void {
  const { width, height } = raster;
  const found = findSkinRegions(raster);
  const blurred = referenceBlur(raster);
  expect(Buffer.from(blurredRegion(raster, 0, 0, width, height)).equals(Buffer.from(blurred))).toBe(true);
  // Windows at each corner and one inside, as the sharpness check cuts them around the eyes.
  const windowWidth = Math.ceil(width / 2);
  const windowHeight = Math.ceil(height / 2);
  for (const [left, top] of [[0, 0], [width - windowWidth, 0], [0, height - windowHeight], [width - windowWidth, height - windowHeight], [Math.floor(width / 4), Math.floor(height / 4)]]) {
    const window = blurredRegion(raster, left, top, windowWidth, windowHeight);
    expect(Buffer.from(window).equals(Buffer.from(cutOut(blurred, width, left, top, windowWidth, windowHeight)))).toBe(true);
  }
  expect(Buffer.from(found.luma).equals(Buffer.from(referenceLuma(raster)))).toBe(true);
  const reference = referenceLabels(blurred, width, height);
  expect(found.components).toEqual(reference.components);
  expect(Buffer.from(found.labels.buffer).equals(Buffer.from(reference.labels.buffer))).toBe(true);
}

const SKIN = [220, 170, 130];
const NOT_SKIN = [60, 100, 160];

/** Blocks of skin and not-skin colour, with noise, so that blurred skin forms ragged regions. */
function patchwork(width: number, height: number, seed: string, block: number): RgbRaster {
  const random = new SeededRandom('skin-regions', seed);
  const blocksAcross = Math.ceil(width / block);
  const isSkinBlock = Array.from({ length: blocksAcross * Math.ceil(height / block) }, () => random.next() < 0.5);
  const pixels = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const colour = isSkinBlock[Math.floor(y / block) * blocksAcross + Math.floor(x / block)] ? SKIN : NOT_SKIN;
      for (let channel = 0; channel < 3; channel++) {
        pixels[(y * width + x) * 3 + channel] = Math.max(0, Math.min(255, colour[channel] + Math.floor((random.next() - 0.5) * 40)));
      }
    }
  }
  return { width, height, pixels };
}

/** A picture drawn from a text map: `#` skin, `.` not. */
function drawn(rows: string[]): RgbRaster {
  const width = rows[0].length;
  const pixels = new Uint8Array(width * rows.length * 3);
  rows.forEach((row, y) => [...row].forEach((cell, x) => pixels.set(cell === '#' ? SKIN : NOT_SKIN, (y * width + x) * 3)));
  return { width, height: rows.length, pixels };
}

describe('findSkinRegions', () => {
  it('matches the plain blur, luma and flood fill on pictures 1 and 2 pixels wide or tall', () => {
    for (const [width, height] of [[1, 1], [1, 9], [9, 1], [2, 2], [2, 7], [7, 2], [3, 3]]) {
      expectSameAsReference(patchwork(width, height, `${width}x${height}`, 1));
    }
  });

  it('matches it on ragged regions of many sizes', () => {
    for (const block of [1, 2, 3, 5, 8]) {
      for (const seed of ['a', 'b', 'c']) expectSameAsReference(patchwork(61, 47, `${seed}/${block}`, block));
    }
  });

  it('keeps regions that touch only at a corner apart, and joins the arms of a U below', () => {
    // Unblurred shapes 3 pixels thick, so the 3x3 blur keeps their middles as skin.
    const picture = drawn([
      '..............................',
      '.###########.......###.....###',
      '.###########.......###.....###',
      '.###########.......###.....###',
      '............###....###.....###',
      '............###....###.....###',
      '............###....###########',
      '...................###########',
      '...................###########',
      '..............................',
    ]);
    const found = findSkinRegions(picture);
    expectSameAsReference(picture);
    expect(found.components.length).toBeGreaterThanOrEqual(2);
  });

  it('matches it on colours either side of each bound of the skin test', () => {
    // Flat 4x4 tiles, so each tile's middle blurs to its own colour: red minus blue at 19, 20
    // and 21 (skin needs 20), red minus green at 19-21 % and 79-81 % of it, and the orderings.
    const colours = [
      [119, 110, 100], [120, 110, 100], [121, 110, 100],
      [150, 146, 100], [150, 140, 100], [150, 139, 100],
      [150, 140, 100], [150, 110, 100], [150, 109, 100], [150, 111, 100],
      [150, 150, 100], [150, 100, 100], [100, 150, 50], [150, 120, 130],
    ];
    const tile = 4;
    const width = colours.length * tile;
    const pixels = new Uint8Array(width * tile * 3);
    for (let y = 0; y < tile; y++) for (let x = 0; x < width; x++) pixels.set(colours[Math.floor(x / tile)], (y * width + x) * 3);
    const picture = { width, height: tile, pixels };
    expectSameAsReference(picture);
    const skinTiles = colours.map(([r, g, b]) => isSkin(r, g, b));
    expect(skinTiles.filter(Boolean).length).toBeGreaterThanOrEqual(4);
    expect(skinTiles.filter((skin) => !skin).length).toBeGreaterThanOrEqual(4);
  });

  it('matches it on a synthetic face photo', async () => {
    expectSameAsReference(await decodeImage(await generateFace({ seed: 'skin-regions', variant: 3, size: 200 })));
  });
});
