/**
 * Starts a loopback emulator (moto, Azurite) once per vitest worker process, on a port the
 * emulator picks itself, so parallel workers never share one server's state.
 *
 * Why per worker and why synchronous: a worker runs its test files one after another, so a file may
 * reset "its" emulator before each test without touching another worker's; and callers read the
 * endpoint while their `describe` bodies are collected, before any hook could await a start. The
 * start blocks this worker for the emulator's start-up (about a second), once.
 *
 * The emulator runs under `sh`, whose stdin is a pipe from this worker: when the worker exits in any
 * way (even killed), the pipe closes, `read` returns and `sh` kills the emulator, so no server is
 * left behind.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** How to start one emulator and recognise that it is listening. */
export interface EmulatorSpec {
  /** A short name for messages and the registry key, e.g. "moto". */
  readonly name: string;
  /** The command and its arguments, asking for port 0 (the OS picks a free port). */
  readonly command: readonly string[];
  /** Matches the start-up line that names the bound port; group 1 is the port. */
  readonly listening: RegExp;
  /** The bound on start-up: past it the worker fails with the emulator's own output. @default 30000 */
  readonly startTimeoutMs?: number;
}

/** A running emulator: its loopback origin, `http://127.0.0.1:PORT`. */
export interface RunningEmulator {
  readonly endpoint: string;
  /** Its start-up output up to the listening line (an emulator with several services names each port there). */
  readonly output: string;
}

// One registry per process (not per module instance): with `isolate: false` a module may still be
// evaluated again by another file's import graph, and that must not start a second server.
const registryKey = Symbol.for("pulumi-personas.test.emulators");
type Registry = Map<string, RunningEmulator>;
const registry: Registry =
  ((globalThis as Record<symbol, unknown>)[registryKey] as Registry | undefined) ?? new Map();
(globalThis as Record<symbol, unknown>)[registryKey] = registry;

/** This worker's instance of the emulator, started on first use. */
export function emulatorForThisWorker(spec: EmulatorSpec): RunningEmulator {
  const running = registry.get(spec.name);
  if (running) return running;
  const started = start(spec);
  registry.set(spec.name, started);
  return started;
}

function start(spec: EmulatorSpec): RunningEmulator {
  const log = join(mkdtempSync(join(tmpdir(), `${spec.name}-`)), "output.log");
  // "$@" is the emulator command; its output goes to the log we read the port from. SIGKILL because an
  // emulator keeps nothing worth a graceful stop, and moto's SIGTERM shutdown lingers for seconds.
  const script = '"$@" >"$LOG" 2>&1 & emulator=$!; read _; kill -KILL "$emulator" 2>/dev/null';
  const child = spawn("sh", ["-c", script, "sh", ...spec.command], {
    stdio: ["pipe", "ignore", "ignore"],
    env: { ...process.env, LOG: log },
  });
  // The worker must be able to exit while the emulator runs; exiting closes the pipe, which stops it.
  child.unref();
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();

  const deadline = Date.now() + (spec.startTimeoutMs ?? 30_000);
  const pause = new Int32Array(new SharedArrayBuffer(4));
  let output = "";
  while (Date.now() < deadline) {
    try {
      output = readFileSync(log, "utf8");
    } catch {
      // the shell has not created the log yet
    }
    const port = spec.listening.exec(output)?.[1];
    if (port !== undefined) return { endpoint: `http://127.0.0.1:${port}`, output };
    Atomics.wait(pause, 0, 0, 50);
  }
  child.stdin?.destroy();
  throw new Error(
    `${spec.name} did not start listening within ${(spec.startTimeoutMs ?? 30_000) / 1000} s; its output:\n${output}`,
  );
}
