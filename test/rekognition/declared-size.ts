// Pictures whose header declares more pixels than their bytes hold: what an attacker sends.

/** The JPEG with its frame header (SOF0-2) declaring width x height: a small file for a huge picture. */
export function withJpegSize(jpeg: Buffer, width: number, height: number): Buffer {
  const patched = Buffer.from(jpeg);
  for (let at = 2; at + 9 < patched.length; at += 2 + patched.readUInt16BE(at + 2)) {
    const marker = patched[at + 1]!;
    if (marker >= 0xc0 && marker <= 0xc2) {
      patched.writeUInt16BE(height, at + 5);
      patched.writeUInt16BE(width, at + 7);
      return patched;
    }
  }
  throw new Error('no frame header');
}
