export { ERRORS, type ErrorCode, type ErrorOutcome, type ErrorSpec } from './catalogue.js';
export { AuthError, ConfigError, outcomeOf, type AuthErrorOptions } from './auth-error.js';
export { errorBody, writeError } from './write-error.js';
