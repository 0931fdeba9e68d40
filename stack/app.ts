import { App } from 'aws-cdk-lib';
import { FaceAuthStack } from './face-auth-stack.js';
import { stackPropsFromContext } from './stack-context.js';

// The construct id stays `FaceAuthStack` whatever the `stackName` context says, so the template is
// always cdk.out/FaceAuthStack.template.json (the embedded emulator reads it from there).
const app = new App();
new FaceAuthStack(app, 'FaceAuthStack', stackPropsFromContext(app.node));
app.synth();
