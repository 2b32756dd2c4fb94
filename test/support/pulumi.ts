/**
 * An in-process Pulumi engine for component tests: `pulumi.runtime.setMocks` with a recorder that
 * keeps every registered resource, so tests assert exact types, names, inputs and counts.
 */
import * as pulumi from "@pulumi/pulumi";

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

class Recorder implements pulumi.runtime.Mocks {
  readonly resources: RecordedResource[] = [];
  readonly calls: RecordedCall[] = [];
  callResponder: CallResponder | undefined;

  newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, unknown> } {
    const id = `${args.name}-id`;
    this.resources.push({ type: args.type, name: args.name, inputs: args.inputs, id });
    const arn = `arn:aws:mock:us-east-1:123456789012:${args.type.split(":").pop()}/${args.name}`;
    return { id, state: { ...args.inputs, arn, name: args.inputs.name ?? args.name, id } };
  }

  call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    const call = { token: args.token, inputs: args.inputs };
    this.calls.push(call);
    return this.callResponder?.(call) ?? args.inputs;
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
