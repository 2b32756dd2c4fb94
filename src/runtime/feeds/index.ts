/**
 * Feed machinery shared by the responder runtimes and the simulator: formats, numeric CIDR sets,
 * the guarded fetcher and the last-good-list rule. Cloud-neutral; node built-ins and zod only.
 */
export * from "./address.js";
export * from "./address-class.js";
export * from "./cidr-set.js";
export * from "./errors.js";
export * from "./fetch.js";
export * from "./formats/index.js";
export * from "./policy.js";
export * from "./refresh.js";
export * from "./safety.js";
