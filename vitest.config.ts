import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    // .stryker-tmp*: StrykerJS's sandbox copies of the project while `npm run test:mutation` runs.
    exclude: ['node_modules/**', 'cdk.out/**', '.facekit/**', '.stryker-tmp*/**'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // The SDK's notice that its 2027 releases need Node 22; versions here are pinned.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
