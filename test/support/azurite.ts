/**
 * Helpers for tests that run the Azure Storage SDKs against Azurite (tables, queues, blobs).
 *
 * Each vitest worker has its own Azurite (started on first import, in memory, on ports the OS picks;
 * stopped when the worker exits, see test/support/emulator.ts), so tests never share state with
 * another worker. Azurite has no reset call: a test isolates itself with names of its own
 * ({@link uniqueName}).
 *
 * @example
 * import { azuriteConnectionString, noAzurite, uniqueName } from "../support/azurite.js";
 * describe.skipIf(noAzurite)("thing against Azurite", () => {
 *   it("...", async () => { const table = TableClient.fromConnectionString(azuriteConnectionString(), uniqueName("t")); });
 * });
 */
import { randomBytes } from "node:crypto";
import { emulatorForThisWorker } from "./emulator.js";
import { have } from "./prerequisites.js";

/** True when Azurite is not installed (locally only; under CI the run fails instead). */
export const noAzurite = !have.azurite;

/** Azurite's documented development account ("Use the Azurite emulator", Microsoft Learn: well-known account and key). */
export const AZURITE_ACCOUNT = "devstoreaccount1";
const AZURITE_KEY =
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

function ports(): { blob: string; queue: string; table: string } {
  if (noAzurite) return { blob: "", queue: "", table: "" };
  const { output } = emulatorForThisWorker({
    name: "azurite",
    command: [
      "node_modules/.bin/azurite",
      "--skipApiVersionCheck",
      "--disableTelemetry",
      "--inMemoryPersistence",
      "--extentMemoryLimit",
      "256",
      "--blobHost",
      "127.0.0.1",
      "--queueHost",
      "127.0.0.1",
      "--tableHost",
      "127.0.0.1",
      "--blobPort",
      "0",
      "--queuePort",
      "0",
      "--tablePort",
      "0",
    ],
    // The table service starts last; by then the blob and queue lines are in the output too.
    listening: /Table service is successfully listening at http:\/\/127\.0\.0\.1:(\d+)/,
  });
  const port = (service: string) =>
    new RegExp(`${service} service is successfully listening at http://127\\.0\\.0\\.1:(\\d+)`).exec(
      output,
    )?.[1] ?? "";
  return { blob: port("Blob"), queue: port("Queue"), table: port("Table") };
}

const azurite = ports();

/** A connection string for this worker's Azurite, as the Functions host's `AzureWebJobsStorage` holds one. */
export function azuriteConnectionString(): string {
  const origin = (port: string) => `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
  return [
    "DefaultEndpointsProtocol=http",
    `AccountName=${AZURITE_ACCOUNT}`,
    `AccountKey=${AZURITE_KEY}`,
    `BlobEndpoint=${origin(azurite.blob)}`,
    `QueueEndpoint=${origin(azurite.queue)}`,
    `TableEndpoint=${origin(azurite.table)}`,
  ].join(";");
}

/** A table, queue or container name no other test uses: letters and digits, starts with a letter. */
export function uniqueName(prefix: string): string {
  return `${prefix}${randomBytes(6).toString("hex")}`;
}
