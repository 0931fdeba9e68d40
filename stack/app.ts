import { App } from 'aws-cdk-lib';
import { FaceAuthStack } from './face-auth-stack.js';
import { InvalidContextError, stackPropsFromContext } from './stack-context.js';

// The construct id stays `FaceAuthStack` whatever the `stackName` context says, so the template is
// always cdk.out/FaceAuthStack.template.json (the embedded emulator reads it from there).
const app = new App();
try {
  new FaceAuthStack(app, 'FaceAuthStack', stackPropsFromContext(app.node));
} catch (error) {
  // A bad `-c key=value` is the user's to fix: its one line, not a stack trace above cdk's own.
  if (!(error instanceof InvalidContextError)) throw error;
  console.error(`${error.message} (docs/stack.md, "Context switches")`);
  process.exit(1);
}
app.synth();
