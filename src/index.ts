/**
 * pulumi-personas: dynamic instance personas for Pulumi.
 *
 * The root entry point re-exports the cloud-neutral layers: the language, the repository, tag
 * resolution and the plan. Cloud components live under `pulumi-personas/aws`, so importing the root
 * never loads a cloud provider or SDK.
 * @packageDocumentation
 */
export { PersonasError } from "./errors.js";
export * from "./pdl/index.js";
export * from "./plan/index.js";
export * from "./repository/index.js";
export * from "./resolve/index.js";
