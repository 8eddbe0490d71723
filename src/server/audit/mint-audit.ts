import type { Logger } from 'pino';
import type { ServiceEventMap, ServiceEvents } from '../events.js';
import type { MintPage, MintQuery, MintRecord, MintStore } from '../stores/types.js';

export interface MintAudit {
  /** Still-valid long-lived credentials, newest first, one page (after this replica's pending writes land). */
  list(query: MintQuery): Promise<MintPage>;
  /** Writes what is buffered now, and waits for every write in flight. */
  flush(): Promise<void>;
  /** Stops following the events (on close); call `flush()` after it so nothing buffered is lost. */
  detach(): void;
}

export interface MintAuditOptions {
  events: ServiceEvents;
  store: MintStore;
  logger: Logger;
  /** How long a write may wait to share a batch, in ms. @default 50 */
  batchMs?: number;
  /** A batch is written at once when it holds this many operations. @default 100 */
  batchMax?: number;
}

/**
 * The mint audit, fed only by the sessions service's events: `sessionStarted` records a refresh
 * family or service token, `sessionEnded` (operator revocation, reuse detection) forgets it.
 *
 * Writes are batched: every operation of up to `batchMs` (or `batchMax` operations) goes to the
 * store in one `write` (one Redis script call). On Redis Cluster the audit lives on one slot (its
 * order and cap need one place), so this is what keeps that slot from taking one call per sign-in
 * (the cluster suite counts it). `list` flushes first, so a replica always lists its own mints;
 * another replica's appear within `batchMs`.
 *
 * Best effort everywhere: the credential or the revocation already stands, so a failed write is
 * logged and counted (`auditFailed` per operation -> pico_auth_audit_write_failures_total), never
 * answered to the caller.
 */
export function createMintAudit(options: MintAuditOptions): MintAudit {
  const { events, store, logger } = options;
  const batchMs = options.batchMs ?? 50;
  const batchMax = options.batchMax ?? 100;
  let adds: MintRecord[] = [];
  let removes: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  const inFlight = new Set<Promise<void>>();

  const writeNow = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (adds.length === 0 && removes.length === 0) return Promise.resolve();
    const batch = { add: adds, remove: removes };
    adds = [];
    removes = [];
    const p = store
      .write(batch)
      .catch((err: unknown) => {
        for (const _ of batch.add) events.emit('auditFailed', 'add');
        for (const _ of batch.remove) events.emit('auditFailed', 'remove');
        logger.warn({ err: { message: (err as Error).message }, adds: batch.add.length, removes: batch.remove.length }, 'mint audit: write failed');
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
    return p;
  };
  const queued = () => {
    if (adds.length + removes.length >= batchMax) void writeNow();
    else if (!timer) {
      timer = setTimeout(() => void writeNow(), batchMs);
      timer.unref();
    }
  };

  const onStarted = (...[s]: ServiceEventMap['sessionStarted']) => {
    adds.push({
      kind: s.kind,
      id: s.id,
      sub: s.claims.sub,
      role: s.claims.role,
      ...(s.claims.scopes?.length ? { scopes: s.claims.scopes } : {}),
      issuedAt: s.issuedAt,
      expiresAt: s.expiresAt,
    });
    queued();
  };
  const onEnded = (...[s]: ServiceEventMap['sessionEnded']) => {
    removes.push(s.id);
    queued();
  };
  events.on('sessionStarted', onStarted);
  events.on('sessionEnded', onEnded);

  const flush = async () => {
    await writeNow();
    await Promise.all([...inFlight]);
  };
  return {
    async list(query) {
      await flush();
      return store.list(query);
    },
    flush,
    detach() {
      events.off('sessionStarted', onStarted);
      events.off('sessionEnded', onEnded);
    },
  };
}
