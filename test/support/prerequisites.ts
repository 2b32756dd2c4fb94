/**
 * Which prerequisite programs the global setup found (test/setup/services.ts). Use as
 * `describe.skipIf(!have.openssl)(...)`: locally a missing program skips with a note, under `CI=true`
 * the run has already failed.
 */
import { inject } from "vitest";

export const have = inject("prerequisites");
