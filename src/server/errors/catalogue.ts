/**
 * The closed catalogue of every error the service answers with: its HTTP status, its stable
 * snake_case code (the body's `error`), a default detail, and the outcome it counts as in the
 * sign-in / login metrics. Modelled on jose's and the client's error codes: callers branch on the
 * code, never on the detail. docs/contract.md's error table is generated from this table
 * (`npx tsx scripts/error-table.ts --write`) and test/docs/contract.test.ts keeps them equal.
 */

/** How an error counts in the flow counters (`sign_ins_total`, `logins_total`); each flow keeps the values it knows. */
export type ErrorOutcome =
  | 'invalid_request'
  | 'bad_challenge'
  | 'bad_signature'
  | 'address_mismatch'
  | 'bad_credentials'
  | 'disabled'
  | 'forbidden'
  | 'rate_limited'
  | 'unavailable'
  | 'error';

export interface ErrorSpec {
  status: 400 | 401 | 403 | 404 | 405 | 413 | 415 | 429 | 500 | 503;
  /** The detail when the thrower gives none; also the contract table's meaning. */
  detail: string;
  outcome: ErrorOutcome;
}

export const ERRORS = {
  // --- 400: the request is malformed -------------------------------------------------------------
  invalid_request: { status: 400, detail: 'The request is invalid: a field is missing, of the wrong type or too long.', outcome: 'invalid_request' },
  invalid_json: { status: 400, detail: 'The body is not valid JSON.', outcome: 'invalid_request' },
  request_aborted: { status: 400, detail: 'The request was aborted.', outcome: 'invalid_request' },
  unsupported_algorithm: { status: 400, detail: 'The sign-in `algorithm` is missing or not one this service accepts.', outcome: 'invalid_request' },
  invalid_address: { status: 400, detail: 'The address is not in a form this service accepts.', outcome: 'invalid_request' },
  invalid_siwe_message: { status: 400, detail: 'The sign-in message (EIP-4361 or Sign-In With X) does not parse.', outcome: 'invalid_request' },
  invalid_siwe_nonce: { status: 400, detail: "The sign-in message's Nonce is not a challenge this service issues.", outcome: 'invalid_request' },
  siwe_message_too_large: { status: 400, detail: 'The sign-in message is over its bounds (4096 bytes, 1024-character lines, 32 resources); refused before parsing.', outcome: 'invalid_request' },
  siwe_disabled: { status: 400, detail: 'Message sign-in (EIP-4361, Sign-In With X) is disabled (no AUTH_SIWE_DOMAINS).', outcome: 'invalid_request' },
  siwe_namespace_mismatch: { status: 400, detail: "The sign-in message is for another chain's account than the algorithm signs for.", outcome: 'invalid_request' },
  domain_binding_required: { status: 400, detail: 'This server requires a domain-bound sign-in (AUTH_REQUIRE_DOMAIN_BINDING): sign a message, not the bare challenge.', outcome: 'invalid_request' },
  // --- 401: a credential or proof was presented and is not acceptable ------------------------------
  invalid_challenge: { status: 401, detail: 'The challenge is unknown, expired or already used; request a new one.', outcome: 'bad_challenge' },
  address_mismatch: { status: 401, detail: 'The key or signer is not the claimed address, or the challenge was issued for another address.', outcome: 'address_mismatch' },
  bad_signature: { status: 401, detail: 'The signature does not verify over the challenge.', outcome: 'bad_signature' },
  siwe_domain_mismatch: { status: 401, detail: "The sign-in message's domain is not one this service accepts.", outcome: 'bad_challenge' },
  siwe_chain_not_allowed: { status: 401, detail: "The EIP-4361 message's Chain ID is not accepted.", outcome: 'bad_challenge' },
  siwe_expired: { status: 401, detail: "The sign-in message's Expiration Time has passed.", outcome: 'bad_challenge' },
  siwe_not_yet_valid: { status: 401, detail: "The sign-in message's Not Before time has not come yet.", outcome: 'bad_challenge' },
  siwe_issued_in_future: { status: 401, detail: "The sign-in message's Issued At is in the future.", outcome: 'bad_challenge' },
  invalid_refresh_token: { status: 401, detail: 'The refresh token is invalid or expired.', outcome: 'bad_credentials' },
  refresh_token_reused: { status: 401, detail: 'This refresh token was already used; every session descended from its sign-in has been revoked.', outcome: 'bad_credentials' },
  refresh_token_superseded: { status: 401, detail: 'This refresh token was already exchanged and the session has been refreshed many times since; use the newest refresh token (nothing was revoked).', outcome: 'bad_credentials' },
  credential_changed: { status: 401, detail: 'The credential this session was started with is no longer accepted (the admin login was turned off or its password changed); the session is revoked: log in again.', outcome: 'bad_credentials' },
  invalid_credentials: { status: 401, detail: 'Wrong e-mail or password.', outcome: 'bad_credentials' },
  invalid_fleet_secret: { status: 401, detail: 'A valid X-Fleet-Secret header is required.', outcome: 'bad_credentials' },
  missing_token: { status: 401, detail: 'This endpoint needs an access token (Authorization: Bearer <token>).', outcome: 'bad_credentials' },
  invalid_token: { status: 401, detail: 'The access token is invalid.', outcome: 'bad_credentials' },
  token_expired: { status: 401, detail: 'The access token has expired.', outcome: 'bad_credentials' },
  token_revoked: { status: 401, detail: 'The access token has been revoked.', outcome: 'bad_credentials' },
  // --- 403: authenticated, not allowed -------------------------------------------------------------
  insufficient_role: { status: 403, detail: "The access token's role may not use this endpoint.", outcome: 'forbidden' },
  role_not_allowed: { status: 403, detail: 'Service tokens may not carry this role (AUTH_FLEET_ROLES).', outcome: 'forbidden' },
  password_login_disabled: { status: 403, detail: 'Password login is disabled on this service.', outcome: 'disabled' },
  // --- 404 / 405 / 413 / 415 ------------------------------------------------------------------------
  not_found: { status: 404, detail: 'No such endpoint.', outcome: 'invalid_request' },
  method_not_allowed: { status: 405, detail: 'This method is not allowed here.', outcome: 'invalid_request' },
  payload_too_large: { status: 413, detail: 'The request body is larger than 16384 bytes.', outcome: 'invalid_request' },
  unsupported_media_type: { status: 415, detail: 'Send the body as UTF-8 application/json.', outcome: 'invalid_request' },
  // --- 429 / 500 / 503 -----------------------------------------------------------------------------
  rate_limited: { status: 429, detail: 'Too many requests; retry later (see Retry-After).', outcome: 'rate_limited' },
  internal_error: { status: 500, detail: 'Internal error.', outcome: 'error' },
  store_unavailable: { status: 503, detail: 'The session store is unavailable; retry shortly.', outcome: 'unavailable' },
  keys_unavailable: { status: 503, detail: 'No signing key is loaded.', outcome: 'unavailable' },
  rate_limiter_unavailable: { status: 503, detail: 'The rate limiter is unavailable; retry shortly.', outcome: 'unavailable' },
  shutting_down: { status: 503, detail: 'This replica is shutting down.', outcome: 'unavailable' },
  not_ready: { status: 503, detail: 'Not ready: keys not loaded or shutting down (GET /readyz names what is missing).', outcome: 'unavailable' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;
