/**
 * pico-server-auth/client: trust the auth service from an Express service. Loads express, jose and
 * lru-cache only (prom-client only when metrics are asked for); never any server module.
 */
export { createAuthClient, authErrorHandler, type AuthClient, type ReadinessReport } from './client.js';
export { authClientOptionsFromEnv } from './env.js';
export { getSecurityContext, runWithSecurityContext, type SecurityContext } from './context.js';
export { allowAnonymous, allowAnonymousParam, requireRole, requireGroup, requireScope, requireIdentity } from './guards.js';
export { identityOf, walletAddressOf, isServiceIdentity, SERVICE_SUB_PREFIX, type Identity, type IdentityKind } from './identity.js';
export { scopeSatisfies, hasScope } from './scopes.js';
export { parseMaxAge } from './jwks.js';
export {
  AuthClientError,
  AuthClientConfigError,
  UnauthenticatedError,
  ForbiddenError,
  DependencyUnavailableError,
  type AuthClientErrorCode,
} from './errors.js';
export {
  DEFAULT_ALGORITHMS,
  SUPPORTED_ALGORITHMS,
  type AuthClientOptions,
  type JwksOptions,
  type RevocationOptions,
  type BearerSource,
} from './options.js';
