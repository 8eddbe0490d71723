#!/usr/bin/env node
import { AuthError, ConfigError } from './errors/index.js';
import { createAuthService } from './service.js';

/** Entry point of the container and of `npm start`: settings from the environment, graceful SIGTERM. */
async function main(): Promise<void> {
  const service = await createAuthService({ env: process.env });
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
