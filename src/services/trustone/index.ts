/** TrustOne card-tap authentication: the service, its store, its participant HTTP API and a client. */
export {
  TrustOneService,
  type TrustOneOptions, type RegisterCardRequest, type CardView, type ChallengeRequest, type ChallengeView,
  type VerificationRequest, type VerificationResult, type ArpcRequest,
} from './service';
export { TrustOneHttpServer, type TrustOneHttpOptions } from './http';
export { TrustOneClient, type TrustOneClientOptions, type SendOptions, type ApiResponse } from './client';
export { SqliteTrustOneStore, type SqliteTrustOneStoreOptions } from './sqlite-store';
export type { TrustOneStore, CardRegistration, Challenge, Attempt, ConsumeResult, IdempotencyClaim, StoredResponse } from './store';
export { DECLINE_REASONS, type DeclineReason } from './reasons';
export { sign, signingString } from './auth';
export { trustOneIso8583 } from './local-service';
