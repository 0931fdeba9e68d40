// `npm start` options. Options belong after `--` (`npm start -- --port 4610`); without it npm
// keeps them as its own config: `npm start --port=4610` arrives as npm_config_port=4610, and
// `npm start --port 4610` as npm_config_port=true plus a stray "4610" argument. Both are read
// here as the user meant them, with a note; anything else unexpected is a one-line error, never
// a parseArgs stack trace.
import { parseArgs } from 'node:util';
import { withoutPositionalAdvice } from './parse-args-errors.js';

export interface StartOptions {
  port?: string;
  host?: string;
  'data-dir'?: string;
  reset: boolean;
  'no-synth': boolean;
  help: boolean;
}

export class StartOptionsError extends Error {
  override readonly name = 'StartOptionsError';
}

const STRING_OPTIONS = ['port', 'host', 'data-dir'] as const;

const envNameOf = (option: string) => `npm_config_${option.replace(/-/g, '_')}`;

export function parseStartOptions(args: string[], env: NodeJS.ProcessEnv = process.env): { options: StartOptions; notes: string[] } {
  let parsed: ReturnType<typeof parseArgs<{ options: Record<string, { type: 'string' | 'boolean'; short?: string; default?: boolean }>; allowPositionals: true }>>;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'data-dir': { type: 'string' },
        reset: { type: 'boolean', default: false },
        'no-synth': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    const [problem] = withoutPositionalAdvice((error as Error).message).split('\n');
    throw new StartOptionsError(`${problem} (see npm start -- --help)`);
  }
  const options = parsed.values as unknown as StartOptions;
  const positionals = [...parsed.positionals];
  const notes: string[] = [];

  // Options npm took as its own config (only when running under npm: npm_lifecycle_event is set).
  const underNpm = env.npm_lifecycle_event !== undefined;
  for (const option of STRING_OPTIONS) {
    const fromNpm = underNpm ? env[envNameOf(option)] : undefined;
    if (options[option] !== undefined || fromNpm === undefined) continue;
    // `--port 4610`: npm set port=true and passed the value on as an argument.
    const value = fromNpm === 'true' ? positionals.shift() : fromNpm;
    if (value === undefined || value === 'true') throw new StartOptionsError(`--${option} needs a value: npm start -- --${option} <value>`);
    options[option] = value;
    notes.push(`npm took --${option} as its own setting; read it as --${option} ${value} (next time: npm start -- --${option} ${value})`);
  }
  if (underNpm && env.npm_config_reset === 'true' && !options.reset) {
    options.reset = true;
    notes.push('npm took --reset as its own setting; read it as --reset (next time: npm start -- --reset)');
  }
  // `--no-synth` becomes npm's synth=false, which npm hands on as an empty string.
  if (underNpm && (env.npm_config_synth === '' || env.npm_config_synth === 'false') && !options['no-synth']) {
    options['no-synth'] = true;
    notes.push('npm took --no-synth as its own setting; read it as --no-synth (next time: npm start -- --no-synth)');
  }
  if (positionals.length > 0) {
    throw new StartOptionsError(`unexpected argument ${JSON.stringify(positionals[0])}: options go after --, e.g. npm start -- --port 4610 (see npm start -- --help)`);
  }
  return { options, notes };
}
