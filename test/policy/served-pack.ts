/**
 * persona-guard served the way the Pulumi CLI serves a Node.js policy pack, for tests.
 *
 * The CLI (pkg/resource/plugin/analyzer_plugin.go, `NewPolicyAnalyzer`) runs the
 * `pulumi-analyzer-policy` script with the pack's directory as working directory and the arguments
 * `<engine address> .`; the script runs `node <@pulumi/pulumi/cmd/run-policy-pack> <args>`, which
 * registers ts-node (type-checking, the pack's tsconfig.json) and loads the pack's `main`. The
 * pack's `new PolicyPack(...)` binds a gRPC Analyzer server on 127.0.0.1:0 and prints the port on
 * stdout; the CLI reads it and talks to the pack over the Analyzer protocol
 * (`@pulumi/pulumi/proto/analyzer_grpc_pb`). run-policy-pack drops the engine address (it only
 * matters to programs), so no engine is started here.
 *
 * The pack directory is a copy of policy-packs/persona-guard whose node_modules links this
 * repository's `@pulumi/*` and `@types/*` and holds `pulumi-personas` as a package with one entry
 * point, `./policy`: the rules bundled from src/policy by esbuild (what `dist/policy` would hold)
 * and a declaration re-exporting their sources, so the pack type-checks against the real rules.
 */
import { type ChildProcess, spawn } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import * as grpc from "@grpc/grpc-js";
import type { AnalyzeDiagnostic, AnalyzeResponse, AnalyzerInfo } from "@pulumi/pulumi/proto/analyzer_pb.js";
import * as analyzerPb from "@pulumi/pulumi/proto/analyzer_pb.js";
import { buildSync } from "esbuild";
import { Empty } from "google-protobuf/google/protobuf/empty_pb.js";
import { Struct } from "google-protobuf/google/protobuf/struct_pb.js";
import type { RecordedResource } from "../support/pulumi.js";
import { outputsOf, urnOf } from "./support.js";

const repository = process.cwd();
const PACK_SOURCE = join(repository, "policy-packs", "persona-guard");
/** What the CLI passes first; run-policy-pack discards it for policy packs. */
const ENGINE_ADDRESS = "127.0.0.1:0";
/** Bounds the pack's start (ts-node type-checks the pack first; this machine is shared and slow). */
const START_TIMEOUT_MS = 150_000;
/** Bounds every RPC. */
const CALL_TIMEOUT_MS = 60_000;

interface AnalyzerClient extends grpc.Client {
  getAnalyzerInfo(
    request: Empty,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: (error: grpc.ServiceError | null, response: AnalyzerInfo) => void,
  ): grpc.ClientUnaryCall;
  analyze(
    request: analyzerPb.AnalyzeRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: (error: grpc.ServiceError | null, response: AnalyzeResponse) => void,
  ): grpc.ClientUnaryCall;
  analyzeStack(
    request: analyzerPb.AnalyzeStackRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: (error: grpc.ServiceError | null, response: AnalyzeResponse) => void,
  ): grpc.ClientUnaryCall;
}

/** One diagnostic as the CLI receives it. */
export interface ServedViolation {
  policy: string;
  message: string;
  enforcementLevel: string;
  urn?: string;
}

/** A running persona-guard process and a client of its Analyzer service. */
export interface ServedPack {
  readonly pid: number;
  readonly directory: string;
  info(): Promise<AnalyzerInfo>;
  /** `Analyze` for one resource: its inputs, as the engine sends them before a step. */
  analyze(resource: RecordedResource): Promise<ServedViolation[]>;
  /** `AnalyzeStack` with every resource's outputs, as the engine sends them after a preview. */
  analyzeStack(resources: readonly RecordedResource[]): Promise<ServedViolation[]>;
  /** Closes the client and stops the process by its PID (SIGTERM, then SIGKILL after a bound). */
  stop(): Promise<void>;
}

/** The pack's directory laid out as `npm install` would leave it. */
function packDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), "persona-guard-"));
  for (const file of ["index.ts", "package.json", "PulumiPolicy.yaml", "tsconfig.json"])
    copyFileSync(join(PACK_SOURCE, file), join(directory, file));
  const modules = join(directory, "node_modules");
  mkdirSync(modules);
  symlinkSync(join(repository, "node_modules", "@pulumi"), join(modules, "@pulumi"));
  symlinkSync(join(repository, "node_modules", "@types"), join(modules, "@types"));
  const personas = join(modules, "pulumi-personas");
  mkdirSync(personas);
  writeFileSync(
    join(personas, "package.json"),
    JSON.stringify({
      name: "pulumi-personas",
      version: "0.0.0-test",
      exports: { "./policy": { types: "./policy.d.ts", default: "./policy.js" } },
    }),
  );
  buildSync({
    entryPoints: [join(repository, "src", "policy", "index.ts")],
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    external: ["@pulumi/*"],
    outfile: join(personas, "policy.js"),
    logLevel: "warning",
  });
  writeFileSync(
    join(personas, "policy.d.ts"),
    `export * from ${JSON.stringify(join(repository, "src", "policy", "index.js"))};\n`,
  );
  return directory;
}

/** Waits for the first stdout line (the port) or fails with what the process wrote to stderr. */
function portOf(child: ChildProcess): Promise<number> {
  return new Promise((resolvePort, reject) => {
    let out = "";
    let err = "";
    const timer = setTimeout(
      () => reject(new Error(`persona-guard printed no port within ${START_TIMEOUT_MS} ms; stderr:\n${err}`)),
      START_TIMEOUT_MS,
    );
    child.stderr?.on("data", (chunk: Buffer) => {
      err += chunk.toString("utf8");
    });
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
      const line = out.split("\n")[0]?.trim() ?? "";
      if (!out.includes("\n")) return;
      clearTimeout(timer);
      if (/^\d+$/.test(line)) resolvePort(Number(line));
      else reject(new Error(`persona-guard printed '${line}' instead of a port; stderr:\n${err}`));
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`persona-guard exited with ${code} before printing a port; stderr:\n${err}`));
    });
  });
}

/** Plain JSON (no `undefined` members), which is what a protobuf Struct can carry. */
function struct(value: Record<string, unknown>): Struct {
  return Struct.fromJavaScript(JSON.parse(JSON.stringify(value)));
}

function violationsOf(response: AnalyzeResponse): ServedViolation[] {
  const levels = Object.fromEntries(
    Object.entries(analyzerPb.EnforcementLevel).map(([name, value]) => [value, name.toLowerCase()]),
  );
  return response.getDiagnosticsList().map((d: AnalyzeDiagnostic) => {
    const violation: ServedViolation = {
      policy: d.getPolicyname(),
      message: d.getMessage(),
      enforcementLevel: levels[d.getEnforcementlevel()] ?? String(d.getEnforcementlevel()),
    };
    if (d.getUrn() !== "") violation.urn = d.getUrn();
    return violation;
  });
}

function unary<Request, Response>(
  call: (
    request: Request,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: (error: grpc.ServiceError | null, response: Response) => void,
  ) => grpc.ClientUnaryCall,
  request: Request,
): Promise<Response> {
  return new Promise((resolveCall, reject) => {
    call(request, new grpc.Metadata(), { deadline: Date.now() + CALL_TIMEOUT_MS }, (error, response) =>
      error ? reject(error) : resolveCall(response),
    );
  });
}

/** Starts persona-guard as the CLI does and connects an Analyzer client to the port it prints. */
export async function servePersonaGuard(): Promise<ServedPack> {
  const directory = packDirectory();
  const fromPulumi = createRequire(join(repository, "node_modules", "@pulumi", "pulumi", "package.json"));
  const runPolicyPack = fromPulumi.resolve("@pulumi/pulumi/cmd/run-policy-pack");
  const child = spawn(process.execPath, [runPolicyPack, ENGINE_ADDRESS, "."], {
    cwd: directory,
    env: process.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error("could not start persona-guard");
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(pid, "SIGTERM");
      const bound = new Promise<"late">((done) => setTimeout(() => done("late"), 10_000).unref());
      if ((await Promise.race([exited, bound])) === "late") process.kill(pid, "SIGKILL");
    }
    rmSync(directory, { recursive: true, force: true });
  };
  let port: number;
  try {
    port = await portOf(child);
  } catch (error) {
    await stop();
    throw error;
  }
  const { AnalyzerClient } = fromPulumi("./proto/analyzer_grpc_pb.js") as {
    AnalyzerClient: new (address: string, credentials: grpc.ChannelCredentials) => AnalyzerClient;
  };
  const client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return {
    pid,
    directory,
    info: () => unary(client.getAnalyzerInfo.bind(client), new Empty()),
    analyze: async (resource) => {
      const request = new analyzerPb.AnalyzeRequest();
      request.setUrn(urnOf(resource.type, resource.name));
      request.setType(resource.type);
      request.setName(resource.name);
      request.setProperties(struct(resource.inputs));
      request.setOptions(new analyzerPb.AnalyzerResourceOptions());
      return violationsOf(await unary(client.analyze.bind(client), request));
    },
    analyzeStack: async (resources) => {
      const request = new analyzerPb.AnalyzeStackRequest();
      request.setResourcesList(
        resources.map((resource) => {
          const r = new analyzerPb.AnalyzerResource();
          r.setUrn(urnOf(resource.type, resource.name));
          r.setType(resource.type);
          r.setName(resource.name);
          r.setProperties(struct(outputsOf(resource)));
          r.setOptions(new analyzerPb.AnalyzerResourceOptions());
          return r;
        }),
      );
      return violationsOf(await unary(client.analyzeStack.bind(client), request));
    },
    stop: async () => {
      client.close();
      await stop();
    },
  };
}

/** The pack's version, which PolicyPack reads from its package.json. */
export function packVersion(): string {
  return (JSON.parse(readFileSync(resolve(PACK_SOURCE, "package.json"), "utf8")) as { version: string })
    .version;
}
