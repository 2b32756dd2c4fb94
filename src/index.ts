/**
 * pulumi-personas: dynamic instance personas for Pulumi.
 *
 * The root entry point re-exports the cloud-neutral layers; cloud components live under
 * `pulumi-personas/aws` (and `/azure`), so importing the root never loads a cloud provider.
 * @packageDocumentation
 */
export { PersonasError } from "./errors.js";
export * from "./pdl/index.js";
