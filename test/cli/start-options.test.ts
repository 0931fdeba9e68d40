// `npm start` options, with and without the `--` npm needs before them.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseStartOptions, StartOptionsError } from '../../sim/start-options.js';

const run = promisify(execFile);
const projectDir = resolve(import.meta.dirname, '../..');
// What npm 11 hands the script for `npm start --port 4610` (no `--`): port=true and a stray "4610".
const NPM_PORT_WITHOUT_DASHES = { npm_lifecycle_event: 'start', npm_config_port: 'true' };

describe('npm start options', () => {
  it('reads options given after --', () => {
    const { options, notes } = parseStartOptions(['--port', '4610', '--reset'], { npm_lifecycle_event: 'start' });

    expect(options).toMatchObject({ port: '4610', reset: true, 'no-synth': false });
    expect(notes).toEqual([]);
  });

  it('reads `npm start --port 4610` (npm kept --port, passed 4610 on) as --port 4610, with a note', () => {
    const { options, notes } = parseStartOptions(['4610'], NPM_PORT_WITHOUT_DASHES);

    expect(options.port).toBe('4610');
    expect(notes).toEqual(['npm took --port as its own setting; read it as --port 4610 (next time: npm start -- --port 4610)']);
  });

  it('reads `npm start --port=4610 --reset --no-synth` from npm’s own settings', () => {
    const { options } = parseStartOptions([], { npm_lifecycle_event: 'start', npm_config_port: '4610', npm_config_reset: 'true', npm_config_synth: '' });

    expect(options).toMatchObject({ port: '4610', reset: true, 'no-synth': true });
  });

  it('ignores npm_config_* outside an npm script (a stray variable in the shell)', () => {
    expect(parseStartOptions([], { npm_config_port: '9999' }).options.port).toBeUndefined();
  });

  it('answers a stray argument or an unknown option with one line naming the fix', () => {
    expect(() => parseStartOptions(['4610'], {})).toThrow(StartOptionsError);
    expect(() => parseStartOptions(['4610'], {})).toThrow('unexpected argument "4610": options go after --, e.g. npm start -- --port 4610');
    expect(() => parseStartOptions(['--prot', '4610'], {})).toThrow(/^Unknown option '--prot' \(see npm start -- --help\)$/);
  });

  it('exits with that line, not an ERR_PARSE_ARGS stack trace, when started with a stray argument', async () => {
    const outcome = await run(process.execPath, ['sim/start.mjs', 'stray'], { cwd: projectDir, env: { ...process.env, npm_lifecycle_event: '' } })
      .then(() => ({ code: 0, stderr: '' }), (error: { code: number; stderr: string }) => error);

    expect(outcome.code).toBe(2);
    expect(outcome.stderr.trim()).toBe('facekit: unexpected argument "stray": options go after --, e.g. npm start -- --port 4610 (see npm start -- --help)');
  });

  it('starts reading `npm start --port 4610 --help`-style input as the user meant it', async () => {
    const { stdout } = await run(process.execPath, ['sim/start.mjs', '4610', '--help'], { cwd: projectDir, env: { ...process.env, ...NPM_PORT_WITHOUT_DASHES } });

    expect(stdout).toContain('note: npm took --port as its own setting; read it as --port 4610');
    expect(stdout).toContain('Usage: npm start [-- options]');
  });
});
