// The tests StrykerJS runs against each mutant (`npm run test:mutation`): the ones that load the
// mutated code in the test's own process. Handlers that the embedded cloud runs in Lambda worker
// threads, or in a child process, never see Stryker's active-mutant switch, so the e2e, container
// and browser suites would only slow the run without killing a mutant.
import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

// Spread, not mergeConfig: mergeConfig concatenates arrays, so the base `**/*.test.ts` would stay
// in `include` and every suite would run (the first full run timed out in its dry run that way).
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: [
      'test/handlers/**/*.test.ts',
      'test/cognito/**/*.test.ts',
      'test/security/cognito-limits.test.ts',
      'test/s3/s3-auth.test.ts',
      'test/s3/s3-post-object.test.ts',
      'sim/s3/request-authenticator.test.ts',
      'sim/iam/**/*.test.ts',
      'sim/cognito/**/*.test.ts',
      'sim/request-signature.test.ts',
      'test/sim/repeated-authorization.test.ts',
      'test/rekognition/picture-faces.test.ts',
    ],
    // Tests that wait out the Lambda invoker's 5-second trigger timeout (sim/lambda, not mutated
    // here) skip themselves under this flag: each would add 16 s to every mutant they cover.
    env: { ...base.test?.env, FACEKIT_MUTATION_RUN: '1' },
  },
});
