import { errors, jwtVerify, type JWTPayload } from 'jose';
import { AuthClientError, UnauthenticatedError } from './errors.js';
import type { SecurityContext } from './context.js';
import type { KeySource } from './jwks.js';
import type { ResolvedOptions } from './options.js';

export interface VerifyParams {
  keys: KeySource;
  options: ResolvedOptions;
  /** Refuse tokens without `jti` (revocation needs it). */
  requireJti: boolean;
}

/**
 * Verifies a compact JWS access token: algorithm allowlist (never `none`/HS*), a `kid` that resolves
 * in the JWKS, `typ: JWT`, signature, `iss`, `aud`, `exp`, `nbf` (with clock tolerance), and the
 * shape of `sub`, `role`, `groups`, `scopes`, `jti`. Throws typed 401/503 errors only.
 */
export async function verifyAccessToken(token: string, params: VerifyParams): Promise<{ context: SecurityContext; kid: string }> {
  const { keys, options } = params;
  let payload: JWTPayload;
  let kid: string;
  try {
    const result = await jwtVerify(token, (header, input) => {
      if (typeof header.kid !== 'string' || header.kid === '') throw new errors.JWSInvalid('missing kid');
      return keys.getKey(header, input);
    }, {
      algorithms: options.algorithms,
      issuer: options.issuer,
      audience: options.audience,
      clockTolerance: options.clockToleranceSeconds,
      typ: 'JWT',
      requiredClaims: ['sub', 'exp', ...(params.requireJti ? ['jti'] : [])],
    });
    payload = result.payload;
    kid = result.protectedHeader.kid as string;
  } catch (err) {
    throw toAuthError(err);
  }
  return { context: toContext(payload, params.requireJti), kid };
}

function toAuthError(err: unknown): AuthClientError {
  if (err instanceof AuthClientError) return err;
  if (err instanceof errors.JWTExpired) return new UnauthenticatedError('token_expired', 'The access token has expired.');
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'nbf' || (err.claim === 'iat' && err.reason === 'check_failed')) {
      return new UnauthenticatedError('token_not_yet_valid', 'The access token is not valid yet.');
    }
    return new UnauthenticatedError('invalid_token', `The access token's "${err.claim}" claim is not acceptable.`);
  }
  if (err instanceof errors.JWKSNoMatchingKey) return new UnauthenticatedError('invalid_token', "The access token's key id is not in the issuer's key set.");
  if (err instanceof errors.JOSEAlgNotAllowed) return new UnauthenticatedError('invalid_token', "The access token's algorithm is not accepted.");
  if (err instanceof errors.JWSSignatureVerificationFailed) return new UnauthenticatedError('invalid_token', "The access token's signature is not valid.");
  // Malformed JWS/JWT, unsupported algorithms, bad claims set, wrong typ: never echo input back.
  return new UnauthenticatedError('invalid_token', 'The access token is malformed or not acceptable.', err);
}

function stringArray(value: unknown, name: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new UnauthenticatedError('invalid_token', `The access token's "${name}" claim must be an array of strings.`);
  }
  return [...value];
}

function toContext(payload: JWTPayload, requireJti: boolean): SecurityContext {
  const claims = payload as JWTPayload & Record<string, unknown>;
  if (typeof claims.sub !== 'string' || claims.sub === '') throw new UnauthenticatedError('invalid_token', 'The access token has no subject.');
  if (typeof claims.role !== 'string' || claims.role === '') throw new UnauthenticatedError('invalid_token', 'The access token has no role.');
  if (claims.jti !== undefined && (typeof claims.jti !== 'string' || claims.jti === '')) throw new UnauthenticatedError('invalid_token', 'The access token has a malformed jti.');
  if (requireJti && claims.jti === undefined) throw new UnauthenticatedError('invalid_token', 'The access token has no jti.');
  return Object.freeze({
    sub: claims.sub,
    role: claims.role,
    groups: Object.freeze(stringArray(claims.groups, 'groups')),
    scopes: Object.freeze(stringArray(claims.scopes, 'scopes')),
    jti: claims.jti,
    exp: claims.exp as number,
    claims: Object.freeze({ ...claims }),
  });
}
