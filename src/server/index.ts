/** Public API of the auth service package (`pico-server-auth`). */
export { createAuthService, type AuthService, type AuthServiceOptions } from './service.js';
export { systemClock, type Clock } from './clock.js';
export { loadConfig, SETTINGS, type AuthConfig, type ServerAuthSettings } from './config/index.js';
export { AuthError, ConfigError, ERRORS, type ErrorCode } from './errors/index.js';
export { ServiceEvents, type ServiceEventMap, type StartedSession } from './events.js';
export { buildKeyring, generateKeyPem, KeyManager, type Keyring, type SigningAlgorithm } from './keys/index.js';
export type { ChallengeStore, RefreshTokenStore, Stores } from './stores/index.js';
