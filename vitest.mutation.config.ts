// The tests StrykerJS runs against each mutant (`npm run test:mutation`): the ones that load the
// mutated code in the test's own process. Handlers that the embedded cloud runs in Lambda worker
// threads, or in a child process, never see Stryker's active-mutant switch, so the e2e, container
// and browser suites would only slow the run without killing a mutant.
import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

export default mergeConfig(
  base,
  defineConfig({
    test: {
      include: [
        'test/handlers/**/*.test.ts',
        'test/cognito/**/*.test.ts',
        'test/security/cognito-limits.test.ts',
        'test/s3/s3-auth.test.ts',
        'sim/cognito/**/*.test.ts',
        'sim/request-signature.test.ts',
      ],
    },
  }),
  true,
);
