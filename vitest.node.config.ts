import { defineConfig } from 'vitest/config';

// The real-node suite (test/node): the image built from our Dockerfile and a single-node cluster
// (kubelet + containerd) on this machine. Needs root and the tools of .ci/setup.d/50-node.sh;
// `npm run test:node` builds the images first. One file at a time: they share the node.
export default defineConfig({
  test: {
    include: ['test/node/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 600_000,
    fileParallelism: false,
    maxWorkers: 1,
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: { json: '.ci/out/vitest-node.json' },
  },
});
