import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { FaceAuthStack } from '../../stack/face-auth-stack.js';
import { stackPropsFromContext } from '../../stack/stack-context.js';

const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> };

export interface Synthesized {
  stack: FaceAuthStack;
  template: Template;
  app: App;
}

/**
 * Builds the stack the way `stack/app.ts` does, with cdk.json's context (feature flags) plus
 * `context`. Bundling is skipped unless asked for: it is slow, and the template does not depend
 * on the handlers' contents beyond the asset hash.
 */
export function synthesize(context: Record<string, unknown> = {}, options: { bundle?: boolean; outdir?: string } = {}): Synthesized {
  // Without an outdir the CDK writes the assembly to a new cdk.out* folder in the temporary
  // folder and leaves it there: a dozen a test run. The template is read into memory, so the
  // folder goes once it is.
  const outdir = options.outdir ?? mkdtempSync(join(tmpdir(), 'facekit-synth-'));
  try {
    const app = new App({
      outdir,
      context: {
        ...cdkJson.context,
        // The CLI sets this; the tests find functions by their construct path in this metadata.
        'aws:cdk:enable-path-metadata': true,
        ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
        ...context,
      },
    });
    const stack = new FaceAuthStack(app, 'FaceAuthStack', stackPropsFromContext(app.node));
    return { stack, template: Template.fromStack(stack), app };
  } finally {
    if (!options.outdir) rmSync(outdir, { recursive: true, force: true });
  }
}
