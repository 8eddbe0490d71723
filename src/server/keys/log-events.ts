import type { Logger } from 'pino';
import type { KeyManager } from './key-manager.js';

/** The key manager's log lines: one per new keyring, per distinct bad directory, per fd-exhaustion episode. */
export function logKeyEvents(keys: KeyManager, logger: Logger): void {
  keys.on('reload', (keyring, previous) =>
    logger.info({ activeKid: keyring.active.kid, alg: keyring.active.alg, kids: keyring.entries.map((e) => `${e.kid}:${e.state}`), fingerprint: keyring.fingerprint, first: !previous }, previous ? 'keyring reloaded' : 'keyring loaded'),
  );
  keys.on('reloadError', (err) => logger.error({ err: { message: err.message } }, 'key directory failed to load; the previous keyring keeps serving'));
  // Once per episode: while descriptors stay exhausted every re-check fails again (the metric counts each).
  keys.on('reloadDeferred', (err, first) => {
    if (!first) return;
    logger.error(
      { err: { code: err.code, message: err.message }, activeKid: keys.keyring?.active.kid ?? null },
      keys.keyring ? 'key reload hit the file-descriptor limit; the last good keyring keeps serving' : 'key load hit the file-descriptor limit; no keyring yet, retrying',
    );
  });
}
