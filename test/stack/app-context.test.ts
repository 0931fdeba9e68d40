// `npm run synth -- -c key=value` with a value the stack cannot use, as the user sees it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const projectDir = resolve(import.meta.dirname, '..', '..');

describe('the CDK app', () => {
  it('answers a bad context value with its one line, not a stack trace', () => {
    const outDir = mkdtempSync(join(tmpdir(), 'facekit-app-'));
    try {
      // What cdk hands the app for `-c faceMatchThreshold=101`.
      const result = spawnSync(process.execPath, ['--import', 'tsx', 'stack/app.ts'], {
        cwd: projectDir,
        encoding: 'utf8',
        timeout: 60_000,
        env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ faceMatchThreshold: '101' }), CDK_OUTDIR: outDir },
      });

      expect(result.status).toBe(1);
      expect(result.stderr.trim()).toBe('Invalid context faceMatchThreshold="101": expected a number from 0 to 100 (docs/stack.md, "Context switches")');
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  });
});
