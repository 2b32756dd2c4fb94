/**
 * Helpers for tests that run the real AWS SDK against moto (started by test/setup/services.ts).
 */
import { inject } from "vitest";

/** The moto endpoint, or "" when moto is not installed (the tests using it are then skipped). */
export const motoEndpoint: string = inject("motoEndpoint");

/** True when moto is unavailable; use as `describe.skipIf(noMoto)`. */
export const noMoto = motoEndpoint === "";

/** Client configuration that points any AWS SDK v3 client at moto. */
export function motoClientConfig(region = "us-east-1") {
  return {
    endpoint: motoEndpoint,
    region,
    forcePathStyle: true,
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
  } as const;
}

/** Clears all of moto's state (POST /moto-api/reset). */
export async function resetMoto(): Promise<void> {
  const response = await fetch(`${motoEndpoint}/moto-api/reset`, { method: "POST" });
  if (!response.ok) throw new Error(`moto reset failed: HTTP ${response.status}`);
}
