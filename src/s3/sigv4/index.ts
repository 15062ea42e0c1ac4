// The SigV4 surface the rest of src/s3 uses.

export {
  authenticate,
  AuthenticatedRequest,
  MAX_CLOCK_SKEW_MS,
  STREAMING_PAYLOADS,
  type AuthenticateOptions,
  type AuthInput,
} from './verify.js';
export {
  createCredentialStore,
  CredentialsFileError,
  generateCredentials,
  loadCredentialsFile,
  loadOrGenerate,
  parseCredentialsFile,
  type CredentialStore,
  type Credentials,
  type LoadOrGenerateResult,
} from './credentials.js';
export { SigningKeyCache } from './signing-key.js';
export { UNSIGNED_PAYLOAD } from './canonical.js';
export type { AuthKind } from './parse.js';
