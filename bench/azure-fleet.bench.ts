/**
 * AzurePersonaFleet overhead: a 1,000-instance Azure fleet with the seed persona under Pulumi's mock
 * engine, against a raw @pulumi/azure-native program registering the same resources directly (same
 * types, names and inputs, minus the component). As in bench/aws-fleet.bench.ts, the raw program is
 * generated from a recording of the library program, so it cannot drift from what the components
 * render, and it has no Output plumbing, so the ratio is an upper bound on the components' overhead.
 * A first, unmeasured library run records the resources; then each program runs in its own child
 * process, alternating, three times each, all with the same V8 heap limit (a 1,000-instance fleet
 * outgrows Node's default 4 GB heap under the mock engine, raw program included); medians of CPU
 * time and peak RSS are compared. Target (issue 14): at most 1.10× in both; the verdict is computed
 * (`verdictLine`, bench/support.ts). The 1-minute load average before and after is printed beside
 * the figures: on a busy machine the CPU ratio moves by several percent between runs.
 *
 * PERSONAS_BENCH_AZURE_INSTANCES sets the fleet size (default 1000); PERSONAS_BENCH_AZURE_RUNS the
 * runs per program (default 3); PERSONAS_BENCH_AZURE_HEAP_MB both children's `--max-old-space-size`
 * (default 8192).
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
import { fmt, loadAverage, machineLine, median, type Target, verdictLine, writeSection } from "./support.js";

const INSTANCES = Number(process.env.PERSONAS_BENCH_AZURE_INSTANCES ?? "1000");
const RUNS = Number(process.env.PERSONAS_BENCH_AZURE_RUNS ?? "3");
const HEAP_MB = Number(process.env.PERSONAS_BENCH_AZURE_HEAP_MB ?? "8192");
const NSG =
  "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/network/providers/Microsoft.Network/networkSecurityGroups/edge";
/** The bound of both ratios (issue 14). */
const TARGET_RATIO = 1.1;

type Program = "library" | "raw" | "record";

interface ChildResult {
  program: Program;
  resources: number;
  cpuMs: number;
  peakRssMiB: number;
}

interface RecordedResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

/** A GUID made from a name (Azure assigns identities' ids; here they are deterministic). */
function guidOf(name: string): string {
  const h = createHash("sha256").update(name).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Mocks that answer like the test recorder; they keep resources only when recording. */
class BenchMocks implements pulumi.runtime.Mocks {
  count = 0;
  readonly recorded: RecordedResource[] = [];
  constructor(readonly record: boolean) {}
  newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, unknown> } {
    this.count++;
    if (this.record) this.recorded.push({ type: args.type, name: args.name, inputs: args.inputs });
    const id = `${args.name}-id`;
    // Identities answer their principal and client ids as Azure does (GUIDs): role assignments name the
    // principal, and the VMs' custom data names the client id and checks it is a GUID.
    const principal = {
      principalId: guidOf(`${args.name}-principal`),
      clientId: guidOf(`${args.name}-client`),
    };
    return { id, state: { ...principal, ...args.inputs, name: args.inputs.name ?? args.name, id } };
  }
  call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    if (args.token === "azure-native:authorization:getClientConfig")
      return { subscriptionId: "00000000-0000-0000-0000-000000000001" };
    return args.inputs;
  }
}

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
  });
}

type ResourceClass = new (name: string, args: never) => pulumi.CustomResource;

/** Every azure-native class the components use, by type token. */
function resourceClasses(): Map<string, ResourceClass> {
  const classes = new Map<string, ResourceClass>();
  const modules = [authorization, compute, managedidentity, monitor, network, resources, storage, web];
  for (const module of modules)
    for (const key of Object.keys(module)) {
      const value = (module as Record<string, unknown>)[key];
      const token = (value as { __pulumiType?: unknown } | undefined)?.__pulumiType;
      if (typeof value === "function" && typeof token === "string" && key === token.split(":").pop())
        classes.set(token, value as ResourceClass);
    }
  return classes;
}

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

/** The same resources as the library program, each constructed directly from its recorded inputs. */
function rawProgram(recorded: readonly RecordedResource[]): void {
  const classes = resourceClasses();
  for (const resource of recorded) {
    if (!resource.type.startsWith("azure-native:")) continue;
    const Class = classes.get(resource.type);
    if (!Class) throw new Error(`the raw program has no class for ${resource.type}: import its module`);
    new Class(resource.name, revive(resource.inputs) as never);
  }
}

async function child(program: Program, file: string): Promise<void> {
  const recorded = program === "raw" ? (JSON.parse(readFileSync(file, "utf8")) as RecordedResource[]) : [];
  const mocks = new BenchMocks(program === "record");
  await pulumi.runtime.setMocks(mocks, "bench", "bench", false);
  const start = process.cpuUsage();
  if (program === "raw") rawProgram(recorded);
  else libraryProgram();
  const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
  await settings.waitForRPCs();
  const used = process.cpuUsage(start);
  if (program === "record") writeFileSync(file, JSON.stringify(mocks.recorded));
  const result: ChildResult = {
    program,
    resources: mocks.count,
    cpuMs: (used.user + used.system) / 1000,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function runChild(program: Program, file: string): ChildResult {
  const heap = `--max-old-space-size=${HEAP_MB}`;
  const out = spawnSync(process.execPath, [heap, __filename, "--child", program, file], {
    encoding: "utf8",
    maxBuffer: 1 << 24,
    env: { ...process.env },
  });
  if (out.status !== 0) throw new Error(`${program} run failed (${out.status}): ${out.stderr}`);
  return JSON.parse(out.stdout.trim().split("\n").pop()!) as ChildResult;
}

/** The two targets of the section: CPU and peak-memory ratios, each at most {@link TARGET_RATIO}. */
export function targets(cpuRatio: number, rssRatio: number): Target[] {
  return [
    {
      what: "CPU time ratio",
      measured: cpuRatio,
      bound: TARGET_RATIO,
      direction: "atMost",
      digits: 2,
      unit: "×",
    },
    {
      what: "peak RSS ratio",
      measured: rssRatio,
      bound: TARGET_RATIO,
      direction: "atMost",
      digits: 2,
      unit: "×",
    },
  ];
}

function main(): void {
  const dir = mkdtempSync(join(tmpdir(), "personas-bench-azure-"));
  const file = join(dir, "resources.json");
  try {
    const loadBefore = loadAverage();
    // An unmeasured library run records what it registered, for the raw program.
    runChild("record", file);
    const results: Record<"library" | "raw", ChildResult[]> = { library: [], raw: [] };
    for (let i = 0; i < RUNS; i++)
      for (const program of i % 2 === 0 ? (["library", "raw"] as const) : (["raw", "library"] as const)) {
        const result = runChild(program, file);
        results[program].push(result);
        console.log(
          `  ${program}: ${fmt(result.cpuMs)} ms CPU, ${fmt(result.peakRssMiB)} MiB peak, ${result.resources} resources`,
        );
      }
    const cpu = (p: "library" | "raw") => median(results[p].map((r) => r.cpuMs));
    const rss = (p: "library" | "raw") => median(results[p].map((r) => r.peakRssMiB));
    const cpuRatio = cpu("library") / cpu("raw");
    const rssRatio = rss("library") / rss("raw");
    const recorded = JSON.parse(readFileSync(file, "utf8")) as RecordedResource[];
    const perInstanceTypes = [
      "azure-native:network:NetworkInterface",
      "azure-native:compute:VirtualMachine",
      "azure-native:monitor:MetricAlert",
    ];
    const perInstance = recorded.filter((r) => perInstanceTypes.includes(r.type)).length / INSTANCES;
    const verdict = verdictLine(targets(cpuRatio, rssRatio));
    const loadAfter = loadAverage();
    console.log(`  ${verdict} (load average ${loadBefore} → ${loadAfter})`);
    writeSection(
      "azure-fleet",
      `## Azure fleet: AzurePersonaFleet vs a raw @pulumi/azure-native program (${fmt(INSTANCES)} instances, seed persona)

${machineLine()}

Both programs run under Pulumi's mock engine, each in its own process with \`--max-old-space-size=${HEAP_MB}\`,
alternating, ${RUNS} run(s) each, after one unmeasured library run that records the resources for
the raw program; medians. 1-minute load average ${loadBefore} before, ${loadAfter} after. CPU time is
user + system until every registration is answered; memory is the process's peak RSS. The raw program is generated from a recording of the library program (every
resource with its azure-native class, name and inputs as plain values), so the ratio is an upper
bound on what the component adds.

| program | resources | CPU time (ms) | peak RSS (MiB) |
| --- | ---: | ---: | ---: |
| raw @pulumi/azure-native | ${fmt(results.raw[0]!.resources)} | ${fmt(cpu("raw"))} | ${fmt(rss("raw"))} |
| AzurePersonaFleet | ${fmt(results.library[0]!.resources)} | ${fmt(cpu("library"))} | ${fmt(rss("library"))} |
| **ratio** | | **${fmt(cpuRatio, 2)}×** | **${fmt(rssRatio, 2)}×** |

Target (issue 14): at most ${TARGET_RATIO}× in both. ${verdict}
Resources: ${fmt(perInstance)} per instance (NIC, VM and its alerts),
${fmt(results.library[0]!.resources - perInstance * INSTANCES)} per fleet including the component.`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === "--child") void child(process.argv[3] as Program, process.argv[4]!);
else main();
