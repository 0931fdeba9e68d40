import { describe, expect, it } from 'vitest';
import { UserFacingError, withErrorBoundary } from '../../handlers/trigger-errors.js';
import { captureLogs } from './log-capture.js';

const logs = captureLogs();
const logLines = () =>
  logs
    .text()
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('trigger error boundary', () => {
  it('passes a user-facing refusal through unchanged, with its name (Lambda reports it as errorType)', async () => {
    const refusal = new UserFacingError('the email address does not look valid');
    const failing = withErrorBoundary('PreSignUp', async () => {
      throw refusal;
    });

    await expect(failing({})).rejects.toBe(refusal);
    expect(refusal.name).toBe('UserFacingError');
    expect(logLines()).toEqual([expect.objectContaining({ level: 'WARN', message: 'refused', reason: 'the email address does not look valid' })]);
  });

  it('replaces any other error by a generic message, logging its name and message', async () => {
    const failing = withErrorBoundary('Verify', async () => {
      throw new TypeError('secret detail');
    });

    await expect(failing({})).rejects.toThrow(new Error('internal error, please try again'));
    expect(logLines()).toEqual([expect.objectContaining({ level: 'ERROR', message: 'failed', error: { name: 'TypeError', message: 'secret detail' } })]);
  });

  it('logs a thrown non-error as NonError with its text', async () => {
    const failing = withErrorBoundary('Verify', async () => {
      throw 'plain text';
    });

    await expect(failing({})).rejects.toThrow('internal error, please try again');
    expect(logLines()).toEqual([expect.objectContaining({ level: 'ERROR', error: { name: 'NonError', message: 'plain text' } })]);
  });

  it('returns what the body returns', async () => {
    await expect(withErrorBoundary('Define', async (event: { n: number }) => event.n + 1)({ n: 41 })).resolves.toBe(42);
  });
});
