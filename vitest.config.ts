import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // test/node needs root and a node (kubelet, containerd): `npm run test:node`, vitest.node.config.ts.
    exclude: [...configDefaults.exclude, 'test/node/**'],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Suites start servers and child processes; two workers match the 2-core CI machine.
    maxWorkers: 2,
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    // One report per invocation (`npm test` runs the main suite, then the cluster suite).
    outputFile: { json: `.ci/out/vitest-${process.env.VITEST_REPORT ?? 'main'}.json` },
  },
});
