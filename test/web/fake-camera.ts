// What Chromium's fake camera shows (--use-file-for-fake-video-capture): a Y4M file, which is a
// one-line header and raw YUV 4:2:0 frames. Made from a generated face so the kit recognises it.
import { writeFileSync } from 'node:fs';
import sharp from 'sharp';

const WIDTH = 640;
const HEIGHT = 480;

/** Writes `photo` (JPEG or PNG) centred in a 640×480 Y4M video of a few identical frames. */
export async function writeFakeCameraVideo(path: string, photo: Buffer, frameCount = 2): Promise<void> {
  const rgb = await sharp(photo)
    .resize(WIDTH, HEIGHT, { fit: 'contain', background: { r: 96, g: 96, b: 104 } })
    .removeAlpha()
    .raw()
    .toBuffer();
  const y = Buffer.alloc(WIDTH * HEIGHT);
  const u = Buffer.alloc((WIDTH / 2) * (HEIGHT / 2));
  const v = Buffer.alloc((WIDTH / 2) * (HEIGHT / 2));
  const clamp = (value: number) => Math.max(0, Math.min(255, Math.round(value)));
  for (let row = 0; row < HEIGHT; row++) {
    for (let column = 0; column < WIDTH; column++) {
      const at = (row * WIDTH + column) * 3;
      const [r, g, b] = [rgb[at], rgb[at + 1], rgb[at + 2]];
      // Full-range BT.601, which `C420jpeg` names.
      y[row * WIDTH + column] = clamp(0.299 * r + 0.587 * g + 0.114 * b);
      if (row % 2 === 0 && column % 2 === 0) {
        const chroma = (row / 2) * (WIDTH / 2) + column / 2;
        u[chroma] = clamp(128 - 0.168736 * r - 0.331264 * g + 0.5 * b);
        v[chroma] = clamp(128 + 0.5 * r - 0.418688 * g - 0.081312 * b);
      }
    }
  }
  const frame = Buffer.concat([Buffer.from('FRAME\n'), y, u, v]);
  const header = Buffer.from(`YUV4MPEG2 W${WIDTH} H${HEIGHT} F30:1 Ip A1:1 C420jpeg\n`);
  writeFileSync(path, Buffer.concat([header, ...Array.from({ length: frameCount }, () => frame)]));
}
