// Tiny Lambda bundles written for a test, the way `cdk.out/asset.<hash>` holds them. They live
// under the project's `.facekit/` (git-ignored) so `@aws-sdk/*` resolves from the project's
// node_modules, as it does for a real NodejsFunction bundle in cdk.out.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FunctionDefinition } from '../../sim/lambda/lambda-runtime.js';

const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export class FunctionBundles {
  readonly root: string;

  constructor() {
    const parent = join(projectRoot, '.facekit', 'test-bundles');
    mkdirSync(parent, { recursive: true });
    this.root = mkdtempSync(join(parent, 'lambda-'));
  }

  /** Writes `<root>/<name>/<file>` with the given source and returns the bundle directory. */
  write(name: string, file: string, source: string): string {
    const codeDir = join(this.root, name);
    mkdirSync(codeDir, { recursive: true });
    writeFileSync(join(codeDir, file), source);
    return codeDir;
  }

  /** A scratch file path for functions to leave evidence in (e.g. how often they ran). */
  scratch(name: string): string {
    return join(this.root, name);
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** A function of a test bundle, with the settings the tests share unless they give their own. */
export function testFunction(name: string, codeDir: string, overrides: Partial<FunctionDefinition> = {}): FunctionDefinition {
  return {
    name,
    arn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
    codeDir,
    handler: 'index.handler',
    runtime: 'nodejs22.x',
    timeoutSeconds: 3,
    environment: {},
    ...overrides,
  };
}

/**
 * A handler that waits `event.sleepMs`, then keeps `event.keepMb` MB for as long as its
 * environment lives: what REPORT lines' durations and memory are tested with.
 */
export const SLEEP_AND_KEEP_SOURCE = `
  const kept = [];
  export const handler = async (event) => {
    if (event.sleepMs) await new Promise((resolve) => setTimeout(resolve, event.sleepMs));
    if (event.keepMb) kept.push(new Uint8Array(event.keepMb * 1048576).fill(1));
    return kept.length;
  };
`;
