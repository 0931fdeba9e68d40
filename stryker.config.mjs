// Mutation testing (`npm run test:mutation`, docs/mutation-testing.md): does a test fail when the
// security-bearing code is broken? Scope: the Lambda handlers and the sim's auth paths.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: true },
  mutate: [
    'handlers/**/*.ts',
    'sim/cognito/auth-sessions.ts',
    'sim/cognito/tokens.ts',
    'sim/cognito/refresh-tokens.ts',
    'sim/cognito/custom-auth-flow.ts',
    'sim/cognito/stand-in-username.ts',
    'sim/cognito/confirmation-codes.ts',
    'sim/cognito/attempt-limits.ts',
    'sim/cognito/attribute-schema.ts',
    // The operations that drive the custom-auth flow, the refresh tokens and the confirmation codes.
    'sim/cognito/operations/initiate-auth.ts',
    'sim/cognito/operations/respond-to-auth-challenge.ts',
    'sim/cognito/operations/admin-initiate-auth.ts',
    'sim/cognito/operations/admin-respond-to-auth-challenge.ts',
    'sim/cognito/context-data.ts',
    'sim/cognito/operations/get-tokens-from-refresh-token.ts',
    'sim/cognito/operations/revoke-token.ts',
    'sim/cognito/operations/global-sign-out.ts',
    'sim/cognito/operations/confirm-sign-up.ts',
    // The administrator's calls that change whether and how a user may sign in.
    'sim/cognito/operations/admin-disable-user.ts',
    'sim/cognito/operations/admin-enable-user.ts',
    'sim/cognito/operations/admin-set-user-password.ts',
    'sim/cognito/password-policy.ts',
    'sim/s3/request-authenticator.ts',
    // SigV4 for every JSON and Query service, and the keys (a function's good only with its token).
    'sim/request-signature.ts',
    // A function's call let through that its role does not grant hides a grant missing on AWS.
    'sim/iam/policy-evaluation.ts',
    'sim/iam/service-actions.ts',
    'sim/iam/access-control.ts',
    // A search answered with another picture's faces would sign a stranger in.
    'sim/rekognition/picture-faces.ts',
  ],
  // Log statements are not mutated (why: stryker-plugins/log-text-ignorer.mjs).
  plugins: ['@stryker-mutator/*', './stryker-plugins/log-text-ignorer.mjs'],
  ignorers: ['log-text'],
  coverageAnalysis: 'perTest',
  ignoreStatic: true,
  concurrency: 2,
  // The initial run of every in-scope test file takes minutes on a busy 2-core machine.
  dryRunTimeoutMinutes: 20,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  incremental: true,
  incrementalFile: 'reports/mutation/stryker-incremental.json',
  thresholds: { high: 95, low: 90, break: 90 },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
