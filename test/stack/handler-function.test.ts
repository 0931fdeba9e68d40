import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HandlerFunction } from '../../stack/constructs/handler-function.js';

// Bundles one real handler (not the whole stack, to stay quick) with the settings every function uses.
describe('HandlerFunction bundling', () => {
  let outdir: string;
  let bundle: string;
  let template: Template;

  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), 'handler-function-'));
    // Asset metadata (set by the CLI) tells where the bundle was written.
    const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
    const stack = new Stack(app, 'BundlingProbe');
    new HandlerFunction(stack, 'PostAuthentication', {
      entryName: 'post-authentication',
      description: 'probe',
      timeout: Duration.seconds(5),
      memorySize: 256,
      environment: { USERS_TABLE: 'users' },
    });
    template = Template.fromStack(stack);
    const [fn] = Object.values(template.findResources('AWS::Lambda::Function')) as { Metadata: Record<string, string> }[];
    bundle = join(outdir, fn.Metadata['aws:asset:path']);
  });

  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('emits a single ES module that Lambda loads as index.mjs', () => {
    expect(existsSync(join(bundle, 'index.mjs'))).toBe(true);
    expect(existsSync(join(bundle, 'index.js'))).toBe(false);
    template.hasResourceProperties('AWS::Lambda::Function', { Handler: 'index.handler', Runtime: 'nodejs22.x', Architectures: ['arm64'] });
  });

  it('starts with the createRequire banner so CommonJS dependencies can still require', () => {
    const code = readFileSync(join(bundle, 'index.mjs'), 'utf8');
    expect(code.startsWith("import { createRequire } from 'node:module';const require = createRequire(import.meta.url);")).toBe(true);
  });

  it('bundles the AWS SDK instead of importing the runtime copy', () => {
    const code = readFileSync(join(bundle, 'index.mjs'), 'utf8');
    expect(code).not.toMatch(/from\s*["']@aws-sdk\//);
    expect(code).toContain('DynamoDB');
  });

  it('is minified', () => {
    const code = readFileSync(join(bundle, 'index.mjs'), 'utf8');
    // Minified output is a few very long lines (template literals keep some newlines).
    expect(code.length / code.split('\n').length).toBeGreaterThan(2000);
  });
});
