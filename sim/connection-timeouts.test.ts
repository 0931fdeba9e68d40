import { describe, expect, it } from 'vitest';
import { connectionTimeoutsFromEnv, DEFAULT_CONNECTION_TIMEOUTS } from './connection-timeouts.js';

describe('connection timeouts from the environment', () => {
  it('takes FACEKIT_IDLE_TIMEOUT_MS and FACEKIT_REQUEST_TIMEOUT_MS over 20 s and 5 minutes', () => {
    expect(connectionTimeoutsFromEnv({})).toEqual({ idleMs: 20_000, requestMs: 300_000 });
    expect(connectionTimeoutsFromEnv({ FACEKIT_IDLE_TIMEOUT_MS: '5000', FACEKIT_REQUEST_TIMEOUT_MS: ' ' })).toEqual({
      idleMs: 5000,
      requestMs: DEFAULT_CONNECTION_TIMEOUTS.requestMs,
    });
  });

  it.each(['0', '-1', '1.5', '20s', 'Infinity'])('refuses %s, naming the variable', (value) => {
    expect(() => connectionTimeoutsFromEnv({ FACEKIT_REQUEST_TIMEOUT_MS: value })).toThrow(/^FACEKIT_REQUEST_TIMEOUT_MS must be a whole number of milliseconds/);
  });
});
