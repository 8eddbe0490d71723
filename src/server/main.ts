#!/usr/bin/env node
import { withDevelopmentDefaults } from './config/index.js';
import { ConfigError } from './errors/index.js';
import { createAuthService } from './service.js';

/** Entry point of the container and of `npm start`: settings from the environment, graceful SIGTERM. */
async function main(): Promise<void> {
  const { env, applied } = withDevelopmentDefaults(process.env);
  const service = await createAuthService({ env });
  for (const { env: name, value } of applied) {
    service.logger.warn({ [name]: value }, `${name} is not set: using the development default ${value} (for the sample page on port 8200); NODE_ENV=production never does`);
  }
  await service.listen();
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    service.logger.info({ signal }, 'signal received');
    service.close().then(
      () => process.exit(0),
      (err: unknown) => {
        service.logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`pico-auth: ${err.message}\n`);
    process.exit(78); // EX_CONFIG
  }
  process.stderr.write(`pico-auth: failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
