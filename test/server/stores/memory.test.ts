import { createMemoryStores } from '../../../src/server/stores/index.js';
import { runStoreConformance } from './conformance.js';

runStoreConformance('memory', async () => createMemoryStores());
