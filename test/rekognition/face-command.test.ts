import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { faceCommand } from '../../cli/commands/face.js';
import { FIXTURE_KINDS, generateFace } from '../../sim/faces/generate-face.js';
import { decodeImage } from '../../sim/rekognition/matcher/decode-image.js';
import { detectFaces } from '../../sim/rekognition/matcher/detect-faces.js';

const dirs: string[] = [];

/** A tiny runner standing in for the facekit program. */
async function run(...args: string[]): Promise<void> {
  const program = new Command('facekit').exitOverride().configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
  program.addCommand(faceCommand().exitOverride());
  await program.parseAsync(['node', 'facekit', 'face', ...args]);
}

function outputDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'facekit-face-'));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  vi.restoreAllMocks();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('facekit face', () => {
  it('writes the same photo as generateFace for a seed and variant', async () => {
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const out = join(outputDir(), 'nested', 'alice.jpg');

    await run('--seed', 'alice', '--variant', '3', '--out', out);

    expect(readFileSync(out).equals(await generateFace({ seed: 'alice', variant: 3 }))).toBe(true);
  });

  it('writes a group photo in which every face is found', async () => {
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const out = join(outputDir(), 'group.jpg');

    await run('--seed', 'team', '--kind', 'three-faces', '--out', out);

    expect(detectFaces(await decodeImage(readFileSync(out)))).toHaveLength(3);
  });

  it('refuses an unknown kind and a negative variant', async () => {
    const out = join(outputDir(), 'x.jpg');
    await expect(run('--seed', 'a', '--kind', 'cat', '--out', out)).rejects.toMatchObject({ code: 'commander.invalidArgument' });
    await expect(run('--seed', 'a', '--variant', '-1', '--out', out)).rejects.toMatchObject({ code: 'commander.invalidArgument' });
  });

  it('explains every kind in its help', () => {
    let help = '';
    const command = faceCommand().configureOutput({ writeOut: (text) => (help += text) });
    command.outputHelp();
    expect(help).toContain('--seed <name>');
    for (const kind of FIXTURE_KINDS) expect(help).toMatch(new RegExp(`^  ${kind} `, 'm'));
  });
});
