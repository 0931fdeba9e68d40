// `facekit face --out <file>` writes the format the file name's extension names.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { faceCommand } from '../../cli/commands/face.js';

const scratch = mkdtempSync(join(tmpdir(), 'facekit-face-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function face(...args: string[]): Promise<{ error?: string }> {
  let error: string | undefined;
  const command = faceCommand().exitOverride().configureOutput({ writeErr: (text) => (error = text.trim()), writeOut: () => undefined });
  try {
    await command.parseAsync(args, { from: 'user' });
  } catch (caught) {
    error ??= (caught as Error).message;
  }
  return { error };
}

describe('facekit face --out', () => {
  it.each([
    ['alice.png', 'png'],
    ['alice.PNG', 'png'],
    ['alice.jpg', 'jpeg'],
    ['alice.jpeg', 'jpeg'],
    ['alice.webp', 'webp'],
  ])('writes %s as %s', async (name, format) => {
    const out = join(scratch, name);

    expect(await face('--seed', 'alice', '--out', out)).toEqual({ error: undefined });

    const metadata = await sharp(readFileSync(out)).metadata();
    expect(metadata.format).toBe(format);
    expect([metadata.width, metadata.height]).toEqual([480, 480]);
  });

  it('refuses an extension that names no format it writes', async () => {
    const { error } = await face('--seed', 'alice', '--out', join(scratch, 'alice.gif'));

    expect(error).toContain('the file name must end in .jpg, .jpeg, .png, .webp');
  });

  it('refuses to write the corrupt fixture as anything but JPEG bytes', async () => {
    const { error } = await face('--seed', 'x', '--kind', 'corrupt', '--out', join(scratch, 'corrupt.png'));

    expect(error).toContain('--kind corrupt is broken JPEG bytes');
  });
});
