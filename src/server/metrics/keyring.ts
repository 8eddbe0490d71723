import { systemClock } from '../clock.js';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { KeyManager, Keyring } from '../keys/index.js';
import type { KeyState } from '../keys/key-entry.js';
import { METRIC_PREFIX } from './definitions.js';

const STATES: readonly KeyState[] = ['active', 'next', 'retired'];

export interface KeyringMetricsOptions {
  /** Clock in epoch ms (tests pass a fixed one). Default: the system clock. */
  now?: () => number;
}

/**
 * Keyring metrics. The gauges read the serving keyring when scraped (no state to keep in sync);
 * the counters and the active key's start time follow the key manager's events, which is why this
 * must be attached before `keys.start()` (a first load that fails is a reload failure too).
 *
 * The active key's age is measured from when this process first served it as active: the key
 * directory carries no creation time (a Secret's files all get the time of the Secret's last
 * change), so a restart starts the age again from zero. Alert on `max` over the replicas.
 * Returns the function that unsubscribes.
 */
export function keyringMetrics(registry: Registry, keys: KeyManager, options: KeyringMetricsOptions = {}): () => void {
  const now = options.now ?? systemClock.now;
  const registers = [registry];
  let activeKid: string | undefined;
  let activeSince = 0;
  const track = (keyring: Keyring) => {
    if (keyring.active.kid === activeKid) return;
    activeKid = keyring.active.kid;
    activeSince = keyring.loadedAt;
  };

  new Gauge({
    name: `${METRIC_PREFIX}keyring_keys`,
    help: 'Keys published in the JWKS, by state (active, next, retired); all 0 while no key is loaded.',
    labelNames: ['state'] as const,
    registers,
    collect() {
      const entries = keys.keyring?.entries ?? [];
      for (const state of STATES) this.labels(state).set(entries.filter((e) => e.state === state).length);
    },
  });
  new Gauge({
    name: `${METRIC_PREFIX}keyring_active_key_age_seconds`,
    help: 'Seconds since this process started signing with the current active key; 0 while no key is loaded.',
    registers,
    collect() {
      const keyring = keys.keyring;
      if (!keyring) return this.set(0);
      track(keyring);
      this.set(Math.max(0, (now() - activeSince) / 1000));
    },
  });
  new Gauge({
    name: `${METRIC_PREFIX}keyring_last_reload_success_timestamp_seconds`,
    help: 'When the serving keyring was loaded (epoch seconds); 0 while no key ever loaded.',
    registers,
    collect() {
      this.set(keys.keyring ? keys.keyring.loadedAt / 1000 : 0);
    },
  });
  new Gauge({
    name: `${METRIC_PREFIX}jwks_fingerprint_info`,
    help: 'Always 1, labelled with the fingerprint of the key set this replica serves; replicas disagree when count by (fingerprint) > 1.',
    labelNames: ['fingerprint'] as const,
    registers,
    collect() {
      // Reset first: after a reload only the current fingerprint may be exposed.
      this.reset();
      if (keys.keyring) this.labels(keys.keyring.fingerprint).set(1);
    },
  });
  const reloads = new Counter({
    name: `${METRIC_PREFIX}keyring_reloads_total`,
    help: 'Key directory loads that produced a new serving keyring (the first load included).',
    registers,
  });
  const failures = new Counter({
    name: `${METRIC_PREFIX}keyring_reload_failures_total`,
    help: 'Key directory loads that failed (unreadable or unparsable; the previous keyring keeps serving). Counted once per distinct bad content.',
    registers,
  });

  const fdExhausted = new Counter({
    name: `${METRIC_PREFIX}keyring_reload_fd_exhausted_total`,
    help: 'Key directory reads that hit the file-descriptor limit (EMFILE/ENFILE); the last good keyring kept serving. Counted on every read.',
    registers,
  });

  const onReload = (keyring: Keyring) => {
    reloads.inc();
    track(keyring);
  };
  const onError = () => failures.inc();
  // Also a reload failure, once per episode (the reload alert fires); the dedicated counter counts every read.
  const onDeferred = (_err: Error, first: boolean) => {
    fdExhausted.inc();
    if (first) failures.inc();
  };
  keys.on('reload', onReload);
  keys.on('reloadError', onError);
  keys.on('reloadDeferred', onDeferred);
  if (keys.keyring) track(keys.keyring);
  return () => {
    keys.off('reload', onReload);
    keys.off('reloadError', onError);
    keys.off('reloadDeferred', onDeferred);
  };
}
