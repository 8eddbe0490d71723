import { createMemoryStores } from '../../../src/server/stores/index.js';
import { runStoreConformance, type StoresFactory } from './conformance.js';
import { runSessionStoreConformance } from './sessions.conformance.js';

// Every expiry of the memory stores follows the injected clock: time passes instantly.
const factory: StoresFactory = async (clock) =>
  Object.assign(createMemoryStores({ clock }), { passTime: async (ms: number) => clock.advance(ms) });

runStoreConformance('memory', factory);
runSessionStoreConformance('memory', factory);
