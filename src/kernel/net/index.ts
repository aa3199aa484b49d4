export { nonPublicRange } from './address.ts';
export { allowListEntryProblem, parseAllowList, type AllowList } from './allow-list.ts';
export {
  formatBytes,
  OutboundErrorCodes,
  OutboundRefusedError,
  OutboundTimeoutError,
  OutboundTooLargeError,
} from './errors.ts';
export {
  createOutboundFetch,
  isOutboundFetch,
  type OutboundFetch,
  type OutboundFetchOptions,
} from './fetch.ts';
export { DEFAULT_AGENT_MAX_RESPONSE_BYTES, DEFAULT_MAX_RESPONSE_BYTES } from './limit.ts';
export {
  ALLOW_LIST_SETTING,
  checkUrl,
  createGuard,
  systemResolver,
  type GuardOptions,
  type ResolvedAddress,
  type Resolver,
} from './guard.ts';
