/**
 * The persona repository: persona files by name and semver range, `Extends` chains, content
 * digests, and the S3 remote (`S3PersonaRepository`; this entry point loads `@aws-sdk/client-s3`,
 * the root entry point does not).
 *
 * Everything else in `src/repository` is internal (imported by module path).
 * @packageDocumentation
 */
export { contentDigest } from "./digest.js";
export {
  DigestMismatchError,
  DuplicatePersonaVersionError,
  ExtendsChainError,
  InvalidReferenceError,
  NoMatchingVersionError,
  PersonaNotFoundError,
  PublishedVersionConflictError,
  RemoteRepositoryError,
  RepositoryError,
  RepositoryValidationError,
} from "./errors.js";
export type { MergedPersona } from "./merge.js";
export { formatReference, type PersonaReference, parseReference } from "./reference.js";
export {
  defaultPersonaDirectory,
  defaultRepository,
  PersonaRepository,
  type PersonaSource,
  type RepositoryEntry,
  type ResolvedChain,
} from "./repository.js";
export {
  type PublishOutcome,
  type RemoteEntry,
  S3PersonaRepository,
  type S3RepositoryOptions,
} from "./s3.js";
