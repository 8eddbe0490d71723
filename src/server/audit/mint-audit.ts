import type { Logger } from 'pino';
import type { AuditOperation, ServiceEventMap, ServiceEvents } from '../events.js';
import type { MintPage, MintQuery, MintStore } from '../stores/types.js';

export interface MintAudit {
  /** Still-valid long-lived credentials, newest first, one page (after this replica's pending writes land). */
  list(query: MintQuery): Promise<MintPage>;
  /** Waits for the writes in flight. */
  flush(): Promise<void>;
  /** Stops following the events (on close); writes in flight still finish. */
  detach(): void;
}

/**
 * The mint audit, fed only by the sessions service's events: `sessionStarted` records a refresh
 * family or service token, `sessionEnded` (operator revocation, reuse detection) forgets it.
 * Best effort everywhere: the credential or the revocation already stands, so a failed write is
 * logged and counted (`auditFailed` -> pico_auth_audit_write_failures_total), never answered to
 * the caller.
 */
export function createMintAudit(deps: { events: ServiceEvents; store: MintStore; logger: Logger }): MintAudit {
  const { events, store, logger } = deps;
  const pending = new Set<Promise<void>>();
  const write = (operation: AuditOperation, op: () => Promise<void>) => {
    const p = op()
      .catch((err: unknown) => {
        events.emit('auditFailed', operation);
        logger.warn({ err: { message: (err as Error).message }, operation }, 'mint audit: write failed');
      })
      .finally(() => pending.delete(p));
    pending.add(p);
  };
  const onStarted = (...[s]: ServiceEventMap['sessionStarted']) =>
    write('add', () =>
      store.add({
        kind: s.kind,
        id: s.id,
        sub: s.claims.sub,
        role: s.claims.role,
        ...(s.claims.scopes?.length ? { scopes: s.claims.scopes } : {}),
        issuedAt: s.issuedAt,
        expiresAt: s.expiresAt,
      }),
    );
  const onEnded = (...[s]: ServiceEventMap['sessionEnded']) => write('remove', () => store.remove(s.id));
  events.on('sessionStarted', onStarted);
  events.on('sessionEnded', onEnded);

  const flush = async () => {
    await Promise.all([...pending]);
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
