/** The one base every auth endpoint hangs from; every other path is derived from it. */
export const BASE_PATH = '/api/v1/auth';
/** The JWKS (also the readiness probe of downstream caches). */
export const JWKS_PATH = `${BASE_PATH}/jwks`;
/** The refresh endpoint (discovery's `token_endpoint`). */
export const REFRESH_PATH = `${BASE_PATH}/refresh`;
