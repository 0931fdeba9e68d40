#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so `npx facekit` works from a clone without a build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/facekit.ts');
await main();
