/**
 * A moto server of the test file's own that executes Step Functions state machines, with an EC2
 * double in front of it for the state machine's `aws-sdk:ec2` calls.
 *
 * moto runs a state machine's AWS SDK tasks against `http://localhost:$MOTO_PORT`, so the server is
 * started with MOTO_PORT naming the double's port: every EC2 call an execution makes passes the double,
 * which forwards it to moto and adds what moto does not do:
 * - it refuses `ModifyInstanceAttribute` of `InstanceType` unless the instance is stopped, with EC2's
 *   `IncorrectInstanceState` ("Change the instance type", Amazon EC2 User Guide:
 *   https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/change-instance-type-of-ebs-backed-instance.html
 *   "you must stop your instance before you can change its instance type"; error code list:
 *   https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html);
 * - it can hold an instance in `stopping` for a number of looks (moto stops instantly);
 * - it can fail the next calls of an action with a given EC2 error.
 * A dedicated server (not the suite's shared one) so MOTO_PORT is ours and the file is parallel-safe.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer as createHttpServer, type IncomingMessage, type Server } from "node:http";
import { createServer } from "node:net";
import { DescribeInstancesCommand, EC2Client } from "@aws-sdk/client-ec2";

/** An EC2 error the double answers with. */
export interface Ec2Fault {
  code: string;
  message: string;
}

/** The moto server and its EC2 double. */
export interface MotoWithEc2Double {
  /** The endpoint test clients use (moto itself). */
  endpoint: string;
  /** Client configuration for any AWS SDK v3 client. */
  clientConfig: ReturnType<typeof config>;
  /** The EC2 endpoint that enforces EC2's rules (what the state machine's calls go through). */
  ec2DoubleEndpoint: string;
  /** Actions the executions made, in order (e.g. `StopInstances`, `ModifyInstanceAttribute:m7i.2xlarge`). */
  calls: string[];
  /** Queue errors for the next calls of an action (`StartInstances`, `ModifyInstanceAttribute`, ...). */
  failNext(action: string, ...faults: Ec2Fault[]): void;
  /** Show an instance as `stopping` for the next `looks` DescribeInstances answers after it stopped. */
  holdStopping(instanceId: string, looks: number): void;
  /** Clears moto's state, the call log and the faults. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

function config(endpoint: string) {
  return {
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
  } as const;
}

/** Starts moto (executing state machines) and the EC2 double; resolves when both answer. */
export async function startMotoWithEc2Double(): Promise<MotoWithEc2Double> {
  const motoPort = await freePort();
  const endpoint = `http://127.0.0.1:${motoPort}`;
  const ec2 = new EC2Client(config(endpoint));
  const calls: string[] = [];
  const faults = new Map<string, Ec2Fault[]>();
  const stopping = new Map<string, number>();

  const double: Server = createHttpServer((request, response) => {
    void handle(request).then(
      ({ status, body, headers }) => {
        response.writeHead(status, headers);
        response.end(body);
      },
      (error: unknown) => {
        response.writeHead(500, { "content-type": "text/plain" });
        response.end(String(error));
      },
    );
  });

  async function handle(
    request: IncomingMessage,
  ): Promise<{ status: number; body: Buffer | string; headers: Record<string, string> }> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const form = new URLSearchParams(body.toString("utf8"));
    const action = form.get("Action") ?? "";
    const instanceId = form.get("InstanceId") ?? form.get("InstanceId.1") ?? "";
    if (action !== "") {
      const newType = form.get("InstanceType.Value");
      calls.push(newType ? `${action}:${newType}` : action);
      const queued = faults.get(action);
      const fault = queued?.shift();
      if (fault) return ec2Error(fault);
      if (action === "ModifyInstanceAttribute" && newType !== null) {
        const state = await presentedState(instanceId);
        if (state !== "stopped")
          return ec2Error({
            code: "IncorrectInstanceState",
            message: `The instance '${instanceId}' is not in the 'stopped' state.`,
          });
      }
    }
    const forwarded = await fetch(`${endpoint}${request.url ?? "/"}`, {
      method: request.method ?? "POST",
      headers: Object.fromEntries(
        Object.entries(request.headers)
          .filter(([k, v]) => typeof v === "string" && k !== "host" && k !== "content-length")
          .map(([k, v]) => [k, v as string]),
      ),
      ...(body.length > 0 ? { body } : {}),
    });
    let text = await forwarded.text();
    if (action === "DescribeInstances") text = holdInStopping(text, instanceId);
    return {
      status: forwarded.status,
      body: text,
      headers: { "content-type": forwarded.headers.get("content-type") ?? "text/xml" },
    };
  }

  async function realState(instanceId: string): Promise<string | undefined> {
    const found = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    return found.Reservations?.[0]?.Instances?.[0]?.State?.Name;
  }

  async function presentedState(instanceId: string): Promise<string | undefined> {
    const state = await realState(instanceId);
    return state === "stopped" && (stopping.get(instanceId) ?? 0) > 0 ? "stopping" : state;
  }

  function holdInStopping(xml: string, instanceId: string): string {
    const left = stopping.get(instanceId) ?? 0;
    const stopped = /<instanceState>\s*<code>80<\/code>\s*<name>stopped<\/name>\s*<\/instanceState>/;
    if (left <= 0 || !stopped.test(xml)) return xml;
    stopping.set(instanceId, left - 1);
    return xml.replace(stopped, "<instanceState><code>64</code><name>stopping</name></instanceState>");
  }

  const doublePort = await new Promise<number>((resolve, reject) => {
    double.once("error", reject);
    double.listen(0, "127.0.0.1", () => {
      const address = double.address();
      resolve(typeof address === "object" && address ? address.port : 0);
    });
  });
  const moto: ChildProcess = spawn("moto_server", ["-H", "127.0.0.1", "-p", String(motoPort)], {
    stdio: ["ignore", "ignore", process.env.DEBUG_MOTO ? "inherit" : "ignore"],
    env: { ...process.env, MOTO_PORT: String(doublePort) },
  });
  await waitUntilReady(endpoint);
  await enableExecution(endpoint);

  return {
    endpoint,
    clientConfig: config(endpoint),
    ec2DoubleEndpoint: `http://127.0.0.1:${doublePort}`,
    calls,
    failNext(action, ...more) {
      faults.set(action, [...(faults.get(action) ?? []), ...more]);
    },
    holdStopping(instanceId, looks) {
      stopping.set(instanceId, looks);
    },
    async reset() {
      const response = await fetch(`${endpoint}/moto-api/reset`, { method: "POST" });
      if (!response.ok) throw new Error(`moto reset failed: HTTP ${response.status}`);
      await enableExecution(endpoint);
      calls.length = 0;
      faults.clear();
      stopping.clear();
    },
    async stop() {
      ec2.destroy();
      if (moto.pid !== undefined && moto.exitCode === null) process.kill(moto.pid, "SIGTERM");
      await new Promise<void>((resolve) => double.close(() => resolve()));
    },
  };
}

function ec2Error(fault: Ec2Fault) {
  return {
    status: 400,
    headers: { "content-type": "text/xml" },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${fault.code}</Code><Message>${fault.message}</Message></Error></Errors><RequestID>double-0001</RequestID></Response>`,
  };
}

/** moto executes state machines only when told to (POST /moto-api/config). */
async function enableExecution(endpoint: string): Promise<void> {
  const response = await fetch(`${endpoint}/moto-api/config`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ stepfunctions: { execute_state_machine: true } }),
  });
  if (!response.ok) throw new Error(`moto config failed: HTTP ${response.status}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilReady(endpoint: string): Promise<void> {
  // Bounded: moto starts in about a second here; 15 s means something is wrong.
  for (let attempt = 0; attempt < 150; attempt++) {
    try {
      const response = await fetch(`${endpoint}/moto-api/`);
      if (response.ok || response.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`moto_server did not answer at ${endpoint} within 15 s`);
}
