/**
 * AzurePersonaFleet overhead: a 1,000-instance Azure fleet with the seed persona under Pulumi's mock
 * engine, against a raw @pulumi/azure-native program registering the same resources directly (same
 * types, names and inputs, minus the component). As in bench/aws-fleet.bench.ts, the raw program is
 * generated from a recording of the library program, so it cannot drift from what the components
 * render, and it has no Output plumbing, so the ratio is an upper bound on the components' overhead.
 * A first, unmeasured library run records the resources; then each program runs in its own child
 * process, alternating, three times each (`compareFleetPrograms`, bench/support.ts), all with the same V8 heap limit (a 1,000-instance fleet
 * outgrows Node's default 4 GB heap under the mock engine, raw program included); medians of CPU
 * time and peak RSS are compared. Target (issue 14): at most 1.10× in both; the verdict is computed
 * (`verdictLine`, bench/support.ts). The 1-minute load average before and after, and every run's
 * figures, are printed beside the medians: on a busy machine the CPU ratio moves by several percent
 * between runs.
 *
 * PERSONAS_BENCH_AZURE_INSTANCES sets the fleet size (default 1000); PERSONAS_BENCH_AZURE_RUNS the
 * runs per program (default 3); PERSONAS_BENCH_AZURE_HEAP_MB both children's `--max-old-space-size`
 * (default 8192).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import * as authorization from "@pulumi/azure-native/authorization/index.js";
import * as compute from "@pulumi/azure-native/compute/index.js";
import * as managedidentity from "@pulumi/azure-native/managedidentity/index.js";
import * as monitor from "@pulumi/azure-native/monitor/index.js";
import * as network from "@pulumi/azure-native/network/index.js";
import * as resources from "@pulumi/azure-native/resources/index.js";
import * as storage from "@pulumi/azure-native/storage/index.js";
import * as web from "@pulumi/azure-native/web/index.js";
import * as pulumi from "@pulumi/pulumi";
import { AzurePersonaFleet } from "../src/azure/fleet.js";
import { setFunctionPackageCheck } from "../src/azure/render.js";
import { parsePersona } from "../src/pdl/parse.js";
import { contentDigest } from "../src/repository/digest.js";
import {
  compareFleetPrograms,
  constructRecorded,
  type FleetMockAnswers,
  fleetComparisonTable,
  fleetRunsParagraph,
  fmt,
  machineLine,
  runFleetBench,
  writeSection,
} from "./support.js";

const INSTANCES = Number(process.env.PERSONAS_BENCH_AZURE_INSTANCES ?? "1000");
const RUNS = Number(process.env.PERSONAS_BENCH_AZURE_RUNS ?? "3");
const HEAP_MB = Number(process.env.PERSONAS_BENCH_AZURE_HEAP_MB ?? "8192");
const NSG =
  "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/network/providers/Microsoft.Network/networkSecurityGroups/edge";
/** The bound of both ratios (issue 14). */
const TARGET_RATIO = 1.1;

/** A GUID made from a name (Azure assigns identities' ids; here they are deterministic). */
function guidOf(name: string): string {
  const h = createHash("sha256").update(name).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

const AZURE_MOCK_ANSWERS: FleetMockAnswers = {
  // Identities answer their principal and client ids as Azure does (GUIDs): role assignments name the
  // principal, and the VMs' custom data names the client id and checks it is a GUID.
  defaults: ({ name }) => ({ principalId: guidOf(`${name}-principal`), clientId: guidOf(`${name}-client`) }),
  invokes: {
    "azure-native:authorization:getClientConfig": { subscriptionId: "00000000-0000-0000-0000-000000000001" },
  },
};

function libraryProgram(): void {
  const persona = parsePersona(readFileSync("examples/HighTraffic.yaml", "utf8"), {
    file: "HighTraffic.yaml",
  });
  const ref = { name: "HighTraffic", version: "1.0.0", digest: contentDigest(persona) };
  // The benchmark measures registration, not the runtime build: no package is uploaded.
  setFunctionPackageCheck(false);
  new AzurePersonaFleet("web", {
    location: "westeurope",
    image: { publisher: "Canonical", offer: "ubuntu-24_04-lts", sku: "server" },
    subnetId: "subnet",
    admin: { username: "ops", sshPublicKey: "ssh-ed25519 AAAA ops" },
    defaultPersona: { persona, ref },
    instances: Array.from({ length: INSTANCES }, (_, i) => ({
      name: `web-${i + 1}`,
      privateIpAddress: `10.0.${Math.floor(i / 250)}.${(i % 250) + 4}`,
    })),
    firewall: { networkSecurityGroupId: NSG },
    // Issue 14's fleet: a NIC, a VM and its alerts per member, the resource types AZURE_MODULES holds.
    alarmTopology: "per-instance",
  });
}

/** Every azure-native module the components register resources from. */
const AZURE_MODULES = [authorization, compute, managedidentity, monitor, network, resources, storage, web];

// Pulumi's serialized asset and archive signatures: recorded inputs carry them as plain objects.
const SIGNATURE = "4dabf18193072939515e22adb298388d";
const ASSET = "c44067f5952c0a294b673a41bacd8c17";

/** The recorded input back as a value the SDK serializes the same way (assets as assets). */
function revive(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(revive);
  if (value === null || typeof value !== "object") return value;
  const record = value as Record<string, unknown>;
  if (record[SIGNATURE] === ASSET && typeof record.text === "string")
    return new pulumi.asset.StringAsset(record.text);
  if (record[SIGNATURE] === ASSET && typeof record.path === "string")
    return new pulumi.asset.FileAsset(record.path);
  if (record[SIGNATURE] !== undefined && typeof record.path === "string")
    return new pulumi.asset.FileArchive(record.path);
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, revive(v)]));
}

function main(): void {
  const comparison = compareFleetPrograms({
    script: __filename,
    runs: RUNS,
    // A 1,000-instance fleet outgrows Node's default heap under the mock engine, raw program included.
    nodeFlags: [`--max-old-space-size=${HEAP_MB}`],
    targetRatio: TARGET_RATIO,
    stacks: true,
  });
  const perInstanceTypes = [
    "azure-native:network:NetworkInterface",
    "azure-native:compute:VirtualMachine",
    "azure-native:monitor:MetricAlert",
  ];
  const perInstance = comparison.recorded.filter((r) => perInstanceTypes.includes(r.type)).length / INSTANCES;
  writeSection(
    "azure-fleet",
    `## Azure fleet: AzurePersonaFleet vs a raw @pulumi/azure-native program (${fmt(INSTANCES)} instances, seed persona)

${machineLine()}

Both programs run under Pulumi's mock engine, each in its own process with \`--max-old-space-size=${HEAP_MB}\`,
alternating, ${RUNS} run(s) each, after one unmeasured library run that records the resources for
the raw program; medians. CPU time is user + system until every registration is answered; memory is
the process's peak RSS. The raw program is generated from a recording of the library program (every
resource with its azure-native class, name and inputs as plain values), so the ratio is an upper
bound on what the component adds.

${fleetComparisonTable(comparison, {
  raw: "raw @pulumi/azure-native",
  library: "AzurePersonaFleet",
  stacks: "AzurePersonaFleet, SDK promise stacks kept",
})}

The component registers its members without the Pulumi SDK's per-promise stack capture
(src/registration.ts; read only for the \`PULUMI_DEBUG_PROMISE_LEAKS\` report); the "stacks kept" row is the
same program with that variable set, as the raw program runs, so it shows what the component itself adds.

Target (issue 14): at most ${TARGET_RATIO}× in both. ${comparison.verdict}
Resources: ${fmt(perInstance)} per instance (NIC, VM and its alerts),
${fmt(comparison.runs.library[0]!.resources - perInstance * INSTANCES)} per fleet including the component.
${fleetRunsParagraph(comparison)}`,
  );
}

runFleetBench(
  {
    answers: AZURE_MOCK_ANSWERS,
    library: libraryProgram,
    raw: (recorded) =>
      constructRecorded(recorded, AZURE_MODULES, "azure-native:", (inputs) => revive(inputs)),
  },
  main,
);
