// Debian's Python and its boto3, not whatever else is on PATH (a pyenv shim, a pip install): the
// contract is with the clients CI installs. FACEKIT_PYTHON overrides the interpreter.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

export const PYTHON = process.env.FACEKIT_PYTHON ?? '/usr/bin/python3';

/** The environment to run it in: no user site-packages, so only Debian's packages are found. */
export const PYTHON_ENV = { ...process.env, PYTHONNOUSERSITE: '1' };

/** Why the boto3 tests cannot run here, or undefined when they can. */
export async function boto3Missing(): Promise<string | undefined> {
  if (!existsSync(PYTHON)) return `${PYTHON} not found (apt-get install python3-boto3)`;
  try {
    await promisify(execFile)(PYTHON, ['-c', 'import boto3'], { env: PYTHON_ENV });
    return undefined;
  } catch {
    return `boto3 is not installed for ${PYTHON} (apt-get install python3-boto3)`;
  }
}
