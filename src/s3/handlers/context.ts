import type { Backend } from '../../storage/backend.js';
import type { S3Request } from '../request.js';
import type { AuthenticatedRequest } from '../sigv4/verify.js';

/** What every handler gets besides its endpoint. Handlers return data; dispatch responds. */
export interface HandlerContext {
  backend: Backend;
  req: S3Request;
  /** The region clients sign for and buckets report. */
  region: string;
  requestId: string;
  /** The signed payload hash: lower-case hex, or undefined for UNSIGNED-PAYLOAD and aws-chunked bodies. */
  payloadSha256: string | undefined;
  /** The proof authenticate() issued for this request. */
  auth: AuthenticatedRequest;
}

/** The owner S3 clients expect in listings; jetvault has one owner per credential set. */
export const OWNER = { ID: 'jetvault', DisplayName: 'jetvault' };
