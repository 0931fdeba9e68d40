// Tiny Lambda bundles written for a test, the way `cdk.out/asset.<hash>` holds them. They live
// under the project's `.facekit/` (git-ignored) so `@aws-sdk/*` resolves from the project's
// node_modules, as it does for a real NodejsFunction bundle in cdk.out.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

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
