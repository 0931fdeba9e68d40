// What a 500 leaves in the kit's log for a system error: beside the name and frames (never the
// message: test/sim/internal-errors.test.ts), what the file system refused. A full disk or a
// read-only file in the data folder was logged as a bare `Error` (a chaos audit made emails.jsonl
// read-only: `SignUp answered 500 (...): Error`).
import { openSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { reportInternalError } from '../../sim/internal-errors.js';

function reported(error: unknown): string {
  let line = '';
  reportInternalError('cognito-idp', 'SignUp', 'request-1', error, (text) => (line += text));
  return line;
}

function thrownBy(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  throw new Error('did not throw');
}

describe('reportInternalError', () => {
  it('names the file system error, its call and its path', () => {
    const error = thrownBy(() => openSync('/nonexistent-facekit-folder/emails.jsonl', 'r'));

    expect(reported(error).split('\n')[0]).toBe('[cognito-idp] SignUp answered 500 (request request-1): Error ENOENT (open /nonexistent-facekit-folder/emails.jsonl)');
  });
});
