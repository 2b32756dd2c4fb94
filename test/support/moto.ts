/**
 * Helpers for tests that run the real AWS SDK against moto.
 *
 * Each vitest worker has its own moto server (started on first import, stopped when the worker
 * exits; see test/support/emulator.ts), so `resetMoto()` before each test clears only this worker's
 * state and the suite is safe on any number of workers. Usage:
 *
 * @example
 * import { motoClientConfig, noMoto, resetMoto } from "../support/moto.js";
 * describe.skipIf(noMoto)("thing against moto", () => {
 *   beforeEach(resetMoto);
 *   it("...", async () => { const s3 = new S3Client(motoClientConfig()); ... });
 * });
 */
import { emulatorForThisWorker } from "./emulator.js";
import { have } from "./prerequisites.js";

/** True when moto is not installed (locally only; under CI the run fails instead): `describe.skipIf(noMoto)`. */
export const noMoto = !have.moto;

/** This worker's moto endpoint, `http://127.0.0.1:PORT`, or "" when moto is not installed. */
export const motoEndpoint: string = noMoto
  ? ""
  : emulatorForThisWorker({
      name: "moto",
      command: ["moto_server", "-H", "127.0.0.1", "-p", "0"],
      listening: /Running on http:\/\/127\.0\.0\.1:(\d+)/,
    }).endpoint;

/** Client configuration that points any AWS SDK v3 client at this worker's moto. */
export function motoClientConfig(region = "us-east-1") {
  return {
    endpoint: motoEndpoint,
    region,
    forcePathStyle: true,
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
  } as const;
}

/** Clears all of this worker's moto state (POST /moto-api/reset); other workers are untouched. */
export async function resetMoto(): Promise<void> {
  const response = await fetch(`${motoEndpoint}/moto-api/reset`, { method: "POST" });
  if (!response.ok) throw new Error(`moto reset failed: HTTP ${response.status}`);
}
