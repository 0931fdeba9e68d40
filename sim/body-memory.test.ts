import { describe, expect, it } from 'vitest';
import { bodyMemoryBytesFromEnv, DEFAULT_BODY_MEMORY_BYTES } from './body-memory.js';

describe('the body memory budget from the environment', () => {
  it('takes FACEKIT_BODY_MEMORY_MB over 256 MiB', () => {
    expect(bodyMemoryBytesFromEnv({})).toBe(256 * 1024 * 1024);
    expect(bodyMemoryBytesFromEnv({ FACEKIT_BODY_MEMORY_MB: ' ' })).toBe(DEFAULT_BODY_MEMORY_BYTES);
    expect(bodyMemoryBytesFromEnv({ FACEKIT_BODY_MEMORY_MB: '64' })).toBe(64 * 1024 * 1024);
  });

  it.each(['0', '-1', '1.5', '64MB', 'Infinity'])('refuses %s, naming the variable', (value) => {
    expect(() => bodyMemoryBytesFromEnv({ FACEKIT_BODY_MEMORY_MB: value })).toThrow(/^FACEKIT_BODY_MEMORY_MB must be a whole number of mebibytes above 0/);
  });
});
