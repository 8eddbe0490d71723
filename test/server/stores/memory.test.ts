import { createMemoryStores } from '../../../src/server/stores/index.js';
import { runStoreConformance } from './conformance.js';
import { runSessionStoreConformance } from './sessions.conformance.js';

runStoreConformance('memory', async () => createMemoryStores());
runSessionStoreConformance('memory', async () => createMemoryStores());
