/**
 * The Azure runtime's figures (issue 15): the Function App bundles' sizes (this runtime's thin REST
 * clients against the official storage SDKs it replaced), the alert intake's latency per alert
 * in-process against Azurite, and the orchestrator sweep's cost in ARM reads per 1,000 VMs.
 * Verdicts are computed from the targets: 300 kB per bundle, 20 ARM reads per 1,000 unchanged VMs.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HttpRequest, InvocationContext } from "@azure/functions";
import { build } from "esbuild";
import { parsePersona } from "../src/pdl/parse.js";
import { buildManifest } from "../src/plan/manifest.js";
import { alarmName } from "../src/plan/names.js";
import { planFleet } from "../src/plan/plan.js";
import { contentDigest } from "../src/repository/digest.js";
import {
  APP_SETTINGS,
  memberIdOf,
  WEBHOOK_PROPERTIES,
  WEBHOOK_SCHEMA_VERSION,
} from "../src/runtime/azure/contract.js";
import { createIntake } from "../src/runtime/azure/intake.js";
import { createOrchestratorSweep } from "../src/runtime/azure/orchestrator.js";
import { TableStateStore } from "../src/runtime/azure/state.js";
import { parseConnectionString, StorageRestClient, TableRest } from "../src/runtime/azure/storage-rest.js";
import { ArmDouble, RESOURCE_GROUP, SUBSCRIPTION } from "../test/support/arm-double.js";
import { fmt, loadAverage, machineLine, median, type Target, verdictLine, writeSection } from "./support.js";

const SEED = `Name: HighTraffic
Version: "1.3.0"
BaseConfiguration:
    CPU: 8 cores
    Memory: 32 GB
TelemetryTriggers:
    - Condition: CPU Load > 80% for 5 minutes
      Action: Scale up to 16 cores
    - Name: surge
      Condition: CPU Load > 95% for 10 minutes
      Action: Shift persona to Surge
`;
/** What the fleet shifts to: one alarm a fleet-wide rule can watch (CPU), one it cannot (a VM network metric). */
const SURGE = `Name: Surge
Version: "2.0.0"
BaseConfiguration:
    CPU: 8 cores
    Memory: 32 GB
TelemetryTriggers:
    - Name: surge-cpu
      Condition: CPU Load > 90% for 5 minutes
      Action: Scale up to 32 cores
    - Name: inbound-flood
      Condition: Network In > 3 Gbps for 5 minutes
      Action: "Notify ops: inbound flood"
`;
const BUDGET = 300 * 1024;
const READ_BOUND = 20;
const ALERTS = 200;

interface Built {
  app: string;
  bytes: number;
}

function buildApps(outdir: string): Built[] {
  const run = spawnSync(process.execPath, ["scripts/build-azure-runtime.mjs", "--outdir", outdir, "--json"], {
    encoding: "utf8",
  });
  if (run.status !== 0) throw new Error(`build-azure-runtime failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as Built[];
}

/** The official SDKs the runtime would otherwise carry (storage: blob, queue, tables), bundled alone. */
async function officialSdkBytes(outdir: string): Promise<number> {
  const entry = join(outdir, "official.ts");
  writeFileSync(
    entry,
    [
      'import { TableClient } from "@azure/data-tables";',
      'import { BlobServiceClient } from "@azure/storage-blob";',
      'import { QueueServiceClient } from "@azure/storage-queue";',
      "export const clients = [TableClient, BlobServiceClient, QueueServiceClient];",
    ].join("\n"),
  );
  const outfile = join(outdir, "official.js");
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    minify: true,
    legalComments: "none",
    outfile,
    logLevel: "error",
    nodePaths: [join(process.cwd(), "node_modules")],
  });
  return statSync(outfile).size;
}

/** Starts Azurite on free loopback ports, in memory; resolves its connection string and a stop function. */
async function startAzurite(): Promise<{ connection: string; stop: () => void }> {
  const child = spawn(
    "node_modules/.bin/azurite",
    [
      "--skipApiVersionCheck",
      "--disableTelemetry",
      "--inMemoryPersistence",
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
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Azurite did not start: ${output}`)), 30_000);
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (/Table service is successfully listening/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  const port = (service: string) =>
    new RegExp(`${service} service is successfully listening at http://127\\.0\\.0\\.1:(\\d+)`).exec(
      output,
    )![1];
  const origin = (service: string) => `http://127.0.0.1:${port(service)}/devstoreaccount1`;
  const connection = [
    "DefaultEndpointsProtocol=http",
    "AccountName=devstoreaccount1",
    "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
    `BlobEndpoint=${origin("Blob")}`,
    `QueueEndpoint=${origin("Queue")}`,
    `TableEndpoint=${origin("Table")}`,
  ].join(";");
  return { connection, stop: () => child.kill("SIGKILL") };
}

async function main(): Promise<void> {
  const outdir = mkdtempSync(join(tmpdir(), "personas-azure-runtime-"));
  const azurite = await startAzurite();
  try {
    const apps = buildApps(outdir);
    const official = await officialSdkBytes(outdir);

    // A fleet of 1,000 member VMs of one persona, its store in Azurite and its VMs in the ARM double.
    const { endpoints, credential } = parseConnectionString(azurite.connection);
    const storage = new StorageRestClient(endpoints, credential);
    const table = new TableRest(storage, "PersonasState");
    await table.createTable();
    await storage.send("blob", "PUT", "fleet-store", { query: { restype: "container" } });
    await storage.send("queue", "PUT", "personas-scale");
    const seed = parsePersona(SEED, { file: "HighTraffic.yaml" });
    const surge = parsePersona(SURGE, { file: "Surge.yaml" });
    const digest = contentDigest(seed);
    // web-1 runs the seed and surge-1 Surge, so the manifest pins both (the other VMs are members only).
    const planOf = (alarms: "fleet-wide" | "per-instance") =>
      planFleet(
        "web",
        [
          { key: "web-1", persona: seed, version: "1.3.0" },
          { key: "surge-1", persona: surge, version: "2.0.0" },
        ].map(({ key, persona, version }) => ({
          key,
          resolved: {
            persona,
            ref: { name: persona.name, version, digest: contentDigest(persona) },
            size: { cloud: "azure" as const, name: "Standard_D8s_v5" },
          },
        })),
        {},
        { alarms },
      );
    const plan = planOf("per-instance");
    const alarmId = plan.personas[0]!.alarms[0]!.id;
    const arm = new ArmDouble();
    const members: Record<string, { key: string; digest: string }> = {};
    for (let i = 1; i <= 1000; i++)
      members[memberIdOf(arm.addVm(`web-${i}`, { tags: { "persona:fleet": "web" } }).id)] = {
        key: `web-${i}`,
        digest,
      };
    const put = (name: string, body: unknown) =>
      storage.send("blob", "PUT", `fleet-store/${name}`, {
        headers: { "x-ms-blob-type": "BlockBlob" },
        body: JSON.stringify(body),
      });
    await put("members.json", { version: 1, fleet: "web", members });
    await put("manifest/fleet.json", buildManifest(plan, "azure"));
    const options = {
      env: {
        [APP_SETTINGS.fleetName]: "web",
        [APP_SETTINGS.stackName]: "prod",
        [APP_SETTINGS.subscriptionId]: SUBSCRIPTION,
        [APP_SETTINGS.resourceGroup]: RESOURCE_GROUP,
        [APP_SETTINGS.stateTable]: "PersonasState",
        [APP_SETTINGS.fleetContainer]: "fleet-store",
        [APP_SETTINGS.storageConnection]: azurite.connection,
      },
      armFetch: arm.fetch,
      armToken: async () => "bench",
      logSink: () => {},
    };

    // Intake latency: distinct Fired alerts for members, each checked and queued.
    const intake = createIntake("scale", options);
    const latencies: number[] = [];
    for (let i = 0; i < ALERTS; i++) {
      const key = `web-${(i % 1000) + 1}`;
      const body = JSON.stringify({
        schemaId: "azureMonitorCommonAlertSchema",
        data: {
          essentials: {
            alertId: `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.AlertsManagement/alerts/${i}`,
            alertRule: alarmName({ fleet: "web", stack: "prod" }, key, alarmId),
            monitorCondition: "Fired",
            alertTargetIDs: [memberIdOf(arm.vm(key).id)],
            firedDateTime: new Date(1_800_000_000_000 + i * 60_000).toISOString(),
          },
          customProperties: {
            [WEBHOOK_PROPERTIES.schema]: WEBHOOK_SCHEMA_VERSION,
            [WEBHOOK_PROPERTIES.fleet]: "web",
            [WEBHOOK_PROPERTIES.stack]: "prod",
            [WEBHOOK_PROPERTIES.persona]: "HighTraffic",
            [WEBHOOK_PROPERTIES.version]: "1.3.0",
            [WEBHOOK_PROPERTIES.digest]: digest,
            [WEBHOOK_PROPERTIES.triggerId]: alarmId,
            [WEBHOOK_PROPERTIES.alarmId]: alarmId,
            [WEBHOOK_PROPERTIES.intent]: "activate",
            [WEBHOOK_PROPERTIES.member]: key,
            [WEBHOOK_PROPERTIES.owner]: "stack",
          },
        },
      });
      const request = new HttpRequest({
        method: "POST",
        url: "https://x/api/alert-scale",
        body: { string: body },
        headers: { "content-length": String(body.length) },
      });
      const started = performance.now();
      const answer = await intake(
        request,
        new InvocationContext({ invocationId: `bench-${i}`, logHandler: () => {} }),
      );
      latencies.push(performance.now() - started);
      if ((answer.jsonBody as { outcome?: string }).outcome !== "queued")
        throw new Error(`alert ${i} was not queued: ${JSON.stringify(answer.jsonBody)}`);
    }
    const sorted = [...latencies].sort((a, b) => a - b);
    const p95 = sorted[Math.floor(sorted.length * 0.95)]!;

    // Sweep cost: ARM reads for 1,000 unchanged VMs.
    const readsBefore = arm.reads;
    const writesBefore = arm.writes;
    const results = await createOrchestratorSweep(options)(
      {
        isPastDue: false,
        schedule: { adjustForDST: false },
        scheduleStatus: { last: "", next: "", lastUpdated: "" },
      },
      new InvocationContext({ logHandler: () => {} }),
    );
    const sweepReads = arm.reads - readsBefore;
    const sweepWrites = arm.writes - writesBefore;
    if (results.length !== 1000) throw new Error(`the sweep reconciled ${results.length} VMs, not 1,000`);

    // Alerts created: the shift responder has moved all 1,000 VMs to Surge (its tag and its record);
    // a sweep under a per-instance manifest gives every alarm its run-time alert (what the orchestrator
    // did for every topology before it knew fleet-wide rules); the redeploy that makes Surge's CPU alarm
    // fleet-wide deletes those alerts and creates none.
    const state = new TableStateStore(table);
    for (const vm of arm.vms.values()) {
      vm.tags["persona:active"] = "Surge";
      await state.writeDocument("persona", memberIdOf(vm.id), { previous: "HighTraffic", current: "Surge" });
    }
    const alertWrites = (method: "PUT" | "DELETE") =>
      arm.log.filter((l) => l.startsWith(`${method} `) && l.includes("/metricAlerts/")).length;
    const shiftedSweep = async () => {
      const before = { put: alertWrites("PUT"), deleted: alertWrites("DELETE"), reads: arm.reads };
      const swept = await createOrchestratorSweep(options)(
        {
          isPastDue: false,
          schedule: { adjustForDST: false },
          scheduleStatus: { last: "", next: "", lastUpdated: "" },
        },
        new InvocationContext({ logHandler: () => {} }),
      );
      if (swept.filter((r) => r.outcome === "applied").length !== 1000)
        throw new Error(
          `the sweep applied Surge to ${swept.filter((r) => r.outcome === "applied").length} VMs, not 1,000`,
        );
      return {
        created: alertWrites("PUT") - before.put,
        deleted: alertWrites("DELETE") - before.deleted,
        reads: arm.reads - before.reads,
        alerts: arm.alerts.size,
      };
    };
    const perInstance = await shiftedSweep();
    await put("manifest/fleet.json", buildManifest(planOf("fleet-wide"), "azure"));
    const fleetWide = await shiftedSweep();

    const targets: Target[] = [
      ...apps.map((a) => ({
        what: `${a.app} bundle`,
        measured: a.bytes / 1024,
        bound: BUDGET / 1024,
        direction: "atMost" as const,
        unit: "KiB",
        digits: 1,
      })),
      {
        what: "ARM reads per 1,000 unchanged VMs",
        measured: sweepReads,
        bound: READ_BOUND,
        direction: "atMost",
      },
      { what: "ARM writes per 1,000 unchanged VMs", measured: sweepWrites, bound: 0, direction: "atMost" },
    ];
    writeSection(
      "azure-runtime",
      [
        "## Azure runtime (issue 15)",
        "",
        machineLine().replace("`npm run bench`", "`npm run bench azure-runtime`"),
        "",
        "Bundles: `scripts/build-azure-runtime.mjs` (esbuild, minified, node20, CommonJS; `@azure/functions` bundled, `@azure/functions-core` is the worker's). Storage and ARM go through this runtime's thin REST clients (`storage-rest.ts`, `arm.ts`); the official storage SDKs (`@azure/data-tables`, `@azure/storage-blob`, `@azure/storage-queue`) bundled alone, for comparison, weigh " +
          `${fmt(official / 1024, 1)} KiB. \`@azure/arm-compute\` and \`@azure/identity\` were not installed to measure; the thin ARM client is ${fmt(statSync("src/runtime/azure/arm.ts").size / 1024, 1)} KiB of source.`,
        "",
        "| app | bundle (KiB) | <= 300 KiB |",
        "| --- | ---: | :---: |",
        ...apps.map((a) => `| ${a.app} | ${fmt(a.bytes / 1024, 1)} | ${a.bytes <= BUDGET ? "yes" : "no"} |`),
        "",
        `Intake latency per alert (load average ${loadAverage()} on this shared machine), in-process against Azurite (membership cached after the first call; each alert: validation, provenance, one table insert, one queue put), ${ALERTS} distinct Fired alerts: median ${fmt(median(latencies), 2)} ms, p95 ${fmt(p95, 2)} ms.`,
        "",
        `Orchestrator sweep over 1,000 unchanged member VMs (Resource Graph, 1,000 rows per page, tags included): ${sweepReads} ARM read(s), ${sweepWrites} write(s).`,
        "",
        `Run-time alerts when all 1,000 VMs shift to a persona with one CPU alarm and one VM network alarm (issue 18): under a per-instance manifest (what the orchestrator created for any topology before it left out fleet-wide alarms) the sweep creates ${fmt(perInstance.created, 0)} alerts (${fmt(perInstance.alerts, 0)} run-time alerts in all, ${perInstance.reads} ARM reads); after the redeploy that makes the CPU alarm fleet-wide it creates ${fmt(fleetWide.created, 0)} and deletes the ${fmt(fleetWide.deleted, 0)} the rule now covers (${fmt(fleetWide.alerts, 0)} left, one per VM for the network alarm, which multi-resource rules cannot watch; ${fleetWide.reads} ARM reads). A VM shifted under the fleet-wide manifest gets ${fmt(fleetWide.alerts / 1000, 0)} alert instead of ${fmt(perInstance.alerts / 1000, 0)}.`,
        "",
        verdictLine(targets),
      ].join("\n"),
    );
  } finally {
    azurite.stop();
    rmSync(outdir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
