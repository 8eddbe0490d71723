export { buildKeyring, type Keyring } from './keyring.js';
export { KeyManager, type KeyManagerOptions } from './key-manager.js';
export { parseKeyEntry, KeyParseError, SIGNING_ALGORITHMS, type KeyEntry, type KeyState, type SigningAlgorithm } from './key-entry.js';
export { generateKeyPem } from './generate.js';
export { readKeyDirectory } from './read-dir.js';
export { ensureDevKeyDirectory } from './dev-key.js';
export { logKeyEvents } from './log-events.js';
