/**
 * The persona repository: persona files by name and semver range, `Extends` chains, content
 * digests. The S3 remote is in `./s3.js` (it loads the AWS SDK; this entry point does not).
 * @packageDocumentation
 */
export { canonicalJson, contentDigest, shortDigest } from "./digest.js";
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
export { type MergedPersona, mergeChain } from "./merge.js";
export { leafPaths } from "./paths.js";
export {
  formatReference,
  type PersonaReference,
  parseReference,
  pickVersion,
  sortVersions,
} from "./reference.js";
export {
  defaultPersonaDirectory,
  defaultRepository,
  makeEntry,
  PersonaRepository,
  type PersonaSource,
  type RepositoryEntry,
  type ResolvedChain,
} from "./repository.js";
