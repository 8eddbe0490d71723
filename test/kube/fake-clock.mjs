// Preloaded into a CLI process by the kube tests (`node --import <this file>`), because
// `pico-auth-keys` has no clock option: every `new Date()` and `Date.now()` in that process reads
// PICO_FAKE_NOW (ISO 8601) instead of the system clock, like libfaketime. TLS certificate checks
// use OpenSSL's own clock and are unaffected.
const fixed = Date.parse(process.env.PICO_FAKE_NOW ?? '');
if (!Number.isFinite(fixed)) throw new Error(`fake-clock: PICO_FAKE_NOW must be an ISO 8601 time, got ${process.env.PICO_FAKE_NOW}`);

const RealDate = globalThis.Date;
class FakeDate extends RealDate {
  constructor(...args) {
    if (args.length === 0) super(fixed);
    else super(...args);
  }
  static now() {
    return fixed;
  }
}
globalThis.Date = FakeDate;
