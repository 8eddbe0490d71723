import { pino } from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createMintAudit } from '../../../src/server/audit/mint-audit.js';
import { loadConfig } from '../../../src/server/config/index.js';
import { ServiceEvents } from '../../../src/server/events.js';
import { defineMetrics } from '../../../src/server/metrics/definitions.js';
import { countServiceEvents } from '../../../src/server/metrics/events.js';
import { createSessionService } from '../../../src/server/sessions/index.js';
import { createMemoryStores } from '../../../src/server/stores/index.js';
import type { MintStore } from '../../../src/server/stores/types.js';
import { createWalletVerifiers } from '../../../src/server/wallets/index.js';
import { FakeClock } from '../../helpers/fake-clock.js';

const failing: MintStore = {
  add: () => Promise.reject(new Error('audit store down')),
  write: () => Promise.reject(new Error('audit store down')),
  list: async () => ({ items: [] }),
  remove: () => Promise.reject(new Error('audit store down')),
};

/** The audit is fed only by events, and its failures never reach the caller: they are counted. */
describe('mint audit', () => {
  const setup = (store: MintStore) => {
    const clock = new FakeClock();
    const events = new ServiceEvents();
    const config = loadConfig({ fleetSecret: 'fleet-secret-0123456789abcdef' });
    const stores = createMemoryStores({ clock });
    const keys = { keyring: undefined };
    const sessions = createSessionService({ config, clock, keys, stores, wallets: createWalletVerifiers(config), events });
    const audit = createMintAudit({ events, store, logger: pino({ level: 'silent' }) });
    const registry = new Registry();
    const m = defineMetrics(registry);
    countServiceEvents(events, m, []);
    const failures = async (operation: string) =>
      (await registry.getSingleMetric('pico_auth_audit_write_failures_total')!.get()).values.find((v) => v.labels.operation === operation)?.value;
    return { clock, events, stores, sessions, audit, failures };
  };

  it('records sessionStarted and forgets sessionEnded, dated by the clock', async () => {
    const { events, stores, audit, clock } = setup(createMemoryStores().mints);
    const issuedAt = clock.seconds();
    events.emit('sessionStarted', { kind: 'wallet', id: 'fam-1', claims: { sub: 'w', role: 'wallet' }, issuedAt, expiresAt: issuedAt + 60 });
    events.emit('sessionStarted', { kind: 'service', id: 'jti-1', claims: { sub: 'a', role: 'agent', scopes: ['x'] }, issuedAt, expiresAt: issuedAt + 60 });
    expect((await audit.list({ limit: 10 })).items.map((m) => m.id)).toEqual(['jti-1', 'fam-1']);
    events.emit('sessionEnded', { id: 'fam-1', reason: 'revoked' });
    expect((await audit.list({ limit: 10 })).items.map((m) => m.id)).toEqual(['jti-1']);
    void stores;
  });

  it('a revocation succeeds when the audit cannot write, and the failure is counted', async () => {
    const { sessions, failures } = setup(failing);
    expect(await failures('remove')).toBe(0);
    const family = await sessions.revokeFamily({ family: 'A'.repeat(22), reason: null, revokedBy: 'op' });
    expect(family.family).toBe('A'.repeat(22));
    const { created } = await sessions.revokeToken({ jti: 'j-1', reason: null, revokedBy: 'op' });
    expect(created).toBe(true);
    await expect.poll(() => failures('remove'), { timeout: 1000 }).toBe(2);
  });

  it('batches: many events, one store write (adds, then removes), listed at once by this replica', async () => {
    const memory = createMemoryStores().mints;
    const writes: { add: number; remove: number }[] = [];
    const counting: MintStore = {
      add: (r) => memory.add(r),
      remove: (id) => memory.remove(id),
      list: (q) => memory.list(q),
      write: (batch) => {
        writes.push({ add: batch.add.length, remove: batch.remove.length });
        return memory.write(batch);
      },
    };
    const { events, audit, clock } = setup(counting);
    const t = clock.seconds();
    for (let i = 0; i < 10; i++) events.emit('sessionStarted', { kind: 'wallet', id: `f-${i}`, claims: { sub: 'w', role: 'wallet' }, issuedAt: t, expiresAt: t + 60 });
    events.emit('sessionEnded', { id: 'f-3', reason: 'revoked' });
    expect(writes).toEqual([]); // nothing written yet: the batch waits up to batchMs
    const listed = (await audit.list({ limit: 100 })).items; // flushes this replica's batch first
    expect(writes).toEqual([{ add: 10, remove: 1 }]);
    expect(listed.map((m) => m.id)).toEqual(['f-9', 'f-8', 'f-7', 'f-6', 'f-5', 'f-4', 'f-2', 'f-1', 'f-0']);
    // Without a read, the batch goes out by itself within batchMs.
    events.emit('sessionEnded', { id: 'f-0', reason: 'revoked' });
    await expect.poll(() => writes.length, { timeout: 1000, interval: 10 }).toBe(2);
    expect(writes[1]).toEqual({ add: 0, remove: 1 });
  });

  it('counts a failed add without failing the mint', async () => {
    const { events, audit, failures, clock } = setup(failing);
    events.emit('sessionStarted', { kind: 'wallet', id: 'fam-2', claims: { sub: 'w', role: 'wallet' }, issuedAt: clock.seconds(), expiresAt: clock.seconds() + 60 });
    await audit.flush();
    expect(await failures('add')).toBe(1);
  });
});
