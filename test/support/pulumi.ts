/**
 * An in-process Pulumi engine for component tests: `pulumi.runtime.setMocks` with a recorder that
 * keeps every registered resource, so tests assert exact types, names, inputs and counts.
 */
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { OfflineOutputs, publicAmiParameter } from "../../src/aws/offline.js";

/** One resource as the mock engine saw it registered. */
export interface RecordedResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  /** The provider-assigned id the mock returned. */
  id: string;
}

/** One data-source call (`aws.ec2.getInstances` and the like). */
export interface RecordedCall {
  token: string;
  inputs: Record<string, unknown>;
}

/** Answers data-source calls in a test; return `undefined` to fall back to echoing the inputs. */
export type CallResponder = (call: RecordedCall) => Record<string, unknown> | undefined;

/** What the account facts data sources answer in tests: partition aws, us-east-1, account 123456789012. */
const AWS_CALL_ANSWERS: Record<string, Record<string, unknown>> = {
  "aws:index/getPartition:getPartition": { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" },
  "aws:index/getRegion:getRegion": { region: "us-east-1", name: "us-east-1", id: "us-east-1" },
  "aws:index/getCallerIdentity:getCallerIdentity": {
    accountId: "123456789012",
    arn: "arn:aws:iam::123456789012:user/test",
    userId: "AIDATEST",
    id: "123456789012",
  },
  // The Azure components' subscription (names of global resources hash it).
  "azure-native:authorization:getClientConfig": {
    subscriptionId: "00000000-0000-0000-0000-000000000001",
    tenantId: "00000000-0000-0000-0000-0000000000aa",
    clientId: "00000000-0000-0000-0000-0000000000bb",
    objectId: "00000000-0000-0000-0000-0000000000cc",
  },
};

/** What Azure answers for a user-assigned identity: its principal (object) id and client id, GUIDs. */
export function azureIdentityIds(args: pulumi.runtime.MockResourceArgs): Record<string, string> {
  if (args.type !== "azure-native:managedidentity:UserAssignedIdentity") return {};
  const guid = (what: string) => {
    const h = createHash("sha256").update(`${args.name}\n${what}`).digest("hex");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
  };
  return { principalId: guid("principal"), clientId: guid("client") };
}

class Recorder implements pulumi.runtime.Mocks {
  readonly resources: RecordedResource[] = [];
  readonly calls: RecordedCall[] = [];
  callResponder: CallResponder | undefined;

  newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, unknown> } {
    const id = `${args.name}-id`;
    this.resources.push({ type: args.type, name: args.name, inputs: args.inputs, id });
    const arn = `arn:aws:mock:us-east-1:123456789012:${args.type.split(":").pop()}/${args.name}`;
    return {
      id,
      state: {
        ...args.inputs,
        ...azureIdentityIds(args),
        ...OfflineOutputs.answeredOf(args.type, args.name),
        arn,
        name: args.inputs.name ?? args.name,
        id,
      },
    };
  }

  call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    const call = { token: args.token, inputs: args.inputs };
    this.calls.push(call);
    return (
      this.callResponder?.(call) ?? AWS_CALL_ANSWERS[args.token] ?? publicAmiParameter(args) ?? args.inputs
    );
  }

  reset(): void {
    this.resources.length = 0;
    this.calls.length = 0;
    this.callResponder = undefined;
  }
}

export const recorder = new Recorder();

/** Installs the recording mocks (called by the vitest setup file before any resource registers). */
export function installMocks(options: { preview?: boolean } = {}): Promise<void> {
  recorder.reset();
  return pulumi.runtime.setMocks(recorder, "project", "stack", options.preview ?? false);
}

/** Resolves an Output in tests (never for unknowns during preview). */
export function outputValue<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}

/** Resources of one type, in registration order. */
export function resourcesOfType(type: string): RecordedResource[] {
  return recorder.resources.filter((r) => r.type === type);
}

/**
 * Waits until every resource registration and data-source call in flight has been answered, so a test
 * can read the recorder right after constructing components. Uses the SDK's own drain (what
 * `pulumi.runtime.disconnect` waits on).
 */
export async function settled(): Promise<void> {
  const settings = (await import("@pulumi/pulumi/runtime/settings.js")) as unknown as {
    waitForRPCs(): Promise<void>;
  };
  await settings.waitForRPCs();
}

/** The recorded resource of a type and name; throws when absent, so tests fail with the name. */
export function resourceNamed(type: string, name: string): RecordedResource {
  const found = recorder.resources.find((r) => r.type === type && r.name === name);
  if (!found) throw new Error(`no ${type} named ${name} was registered`);
  return found;
}

/** Counts recorded resources by type, sorted by type. */
export function countByType(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of recorder.resources) counts[r.type] = (counts[r.type] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}
