#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so `npx facekit` works from a clone without a build step.
import { register } from 'tsx/esm/api';

// The SDK warns that releases after January 2027 need Node 22; the kit pins its SDK versions, so
// on Node 20 the warning would only bury the output users need.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
const { main } = await import('../cli/facekit.ts');
await main();
