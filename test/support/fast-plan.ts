/**
 * A fast offline plan for property tests: the components' own constructors run unchanged, and each
 * `new aws.X(name, args)` they make is recorded with its inputs resolved, but without Pulumi's mock
 * engine behind it. The mock engine costs about a millisecond per resource on this machine (every
 * output property becomes four promises, each capturing a stack trace, and every input goes through
 * protobuf); a property test over 1,000 generated fleets cannot pay that.
 *
 * The seam is the SDK's one registration function (`registerResource` in
 * `@pulumi/pulumi/runtime/resource`), which every resource constructor calls: replaced for the
 * duration of a plan, it records the type, name, parent and inputs, and gives the resource outputs made
 * up exactly as `planOffline`'s mocks make them (`OfflineOutputs`: ids, ARNs, auto-names), so inputs
 * built from other resources' outputs are the same on both paths. test/aws/cloud-contract-property.test.ts
 * checks on a sample that both paths give the same types, names and inputs.
 */
import * as pulumi from "@pulumi/pulumi";
import { OfflineOutputs, PlanMocks, type PlannedResource } from "../../src/aws/offline.js";
import { setResponderCodeCheck } from "../../src/aws/render.js";

interface RuntimeResourceModule {
  registerResource(
    res: Record<string, unknown>,
    parent: { __pulumiType?: string; __name?: string } | undefined,
    type: string,
    name: string,
    custom: boolean,
    ...rest: unknown[]
  ): void;
  registerResourceOutputs(res: unknown, outputs: unknown): void;
}

const runtimeResource = require("@pulumi/pulumi/runtime/resource") as RuntimeResourceModule;
// The Output class the SDK builds its own outputs with (its constructor takes the value's promises).
const OutputClass = (
  require("@pulumi/pulumi/output") as { Output: new (...args: unknown[]) => pulumi.Output<unknown> }
).Output;

const ResourceClass = pulumi.Resource as unknown as { callsites(): unknown[] };

// The SDK's index module as provider SDKs load it (`require("@pulumi/pulumi")`): its exports are plain
// properties copied from the submodules, which provider code reads at each call.
const pulumiIndex = require("@pulumi/pulumi") as {
  mergeOptions(
    options: pulumi.ResourceOptions | undefined,
    extra: pulumi.ResourceOptions | undefined,
  ): pulumi.ResourceOptions;
};

/** An output holding the value `promise` settles to, not secret, like a registered resource's. */
function outputOfKnown(
  resource: unknown,
  promise: Promise<unknown>,
  known: Promise<boolean>,
): pulumi.Output<unknown> {
  return new OutputClass(resource, promise, known, Promise.resolve(false), Promise.resolve([]));
}

function outputOf(resource: unknown, promise: Promise<unknown>): pulumi.Output<unknown> {
  return outputOfKnown(resource, promise, Promise.resolve(true));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype;
}

/**
 * An input as the engine receives it: outputs and promises awaited, `undefined` members dropped (the
 * protobuf struct has no undefined), assets and resources left as they are.
 */
async function resolveInput(value: unknown): Promise<unknown> {
  // The SDK's own accessor (what the engine's serialiser awaits); an unknown value reads as undefined.
  if (pulumi.Output.isInstance(value)) {
    // An unknown value (a preview's output the engine does not answer) as the mock engine records it.
    if (!(await (value as unknown as { isKnown: Promise<boolean> }).isKnown))
      return { __pulumiUnknown: true };
    return resolveInput(await (value as unknown as { promise(): Promise<unknown> }).promise());
  }
  if (value instanceof Promise) return resolveInput(await value);
  if (Array.isArray(value)) return Promise.all(value.map(resolveInput));
  if (isPlainObject(value)) {
    const entries = await Promise.all(
      Object.entries(value).map(async ([k, v]) => [k, await resolveInput(v)] as const),
    );
    return Object.fromEntries(entries.filter(([, v]) => v !== undefined));
  }
  return value;
}

/** Defines `key` on `resource` as an output created on first read: most outputs are never read. */
function defineLazyOutput(
  resource: Record<string, unknown>,
  key: string,
  make: () => pulumi.Output<unknown>,
): void {
  Object.defineProperty(resource, key, {
    configurable: true,
    enumerable: true,
    get() {
      const output = make();
      Object.defineProperty(resource, key, {
        value: output,
        configurable: true,
        enumerable: true,
        writable: true,
      });
      return output;
    },
  });
}

/**
 * Runs `program` and returns every resource its constructors registered, in registration order, with
 * inputs resolved as `planOffline` returns them. Data-source calls (account facts, public AMI
 * parameters) go to `planOffline`'s mocks. `stack` is what `pulumi.getStack()` answers (names carry
 * it). Not reentrant: one plan at a time.
 */
export async function planFast(program: () => void, stack = "plan"): Promise<PlannedResource[]> {
  // The project and, by default, the stack `planOffline` plans in.
  await pulumi.runtime.setMocks(new PlanMocks(), "offline", stack, true);
  const outputs = new OfflineOutputs();
  const resources: (PlannedResource | undefined)[] = [];
  const pending: Promise<void>[] = [];
  const { registerResource, registerResourceOutputs } = runtimeResource;
  runtimeResource.registerResource = (res, parent, type, name, custom, _remote, _dependency, props) => {
    const inputs = props as Record<string, unknown>;
    // As the mock engine answers: the state is the inputs plus the made-up id, ARN and name. Ids are
    // given once the inputs are resolved, the order in which the engine would receive registrations.
    const state = (resolveInput(inputs) as Promise<Record<string, unknown>>).then((resolved) => {
      const id = outputs.idFor(type, name);
      const names = OfflineOutputs.namesOf(type, name, resolved);
      resources.push({
        type,
        name,
        parent: parent?.__name,
        parentType: parent?.__pulumiType,
        inputs: resolved,
        ...(custom ? { outputs: { id, arn: names.arn, ...(names.named ? {} : { name: names.name }) } } : {}),
      });
      return {
        ...resolved,
        ...OfflineOutputs.answeredOf(type, name),
        arn: names.arn,
        name: names.name,
        id,
      } as Record<string, unknown>;
    });
    pending.push(state.then(() => undefined));
    res.urn = outputOf(res, Promise.resolve(`urn:pulumi:plan::offline::${type}::${name}`));
    if (!custom) return;
    res.id = outputOf(
      res,
      state.then((s) => s.id),
    );
    for (const key of [...Object.keys(inputs), ...Object.keys(OfflineOutputs.answeredOf(type, name))])
      if (key !== "id" && key !== "urn")
        // An output the engine does not answer is unknown in a preview, as under the mock engine.
        defineLazyOutput(res, key, () =>
          outputOfKnown(
            res,
            state.then((s) => s[key]),
            state.then((s) => s[key] !== undefined),
          ),
        );
  };
  runtimeResource.registerResourceOutputs = () => {};
  // Provider SDKs merge a list of their type's former tokens into every resource's options (azure-native
  // gives a VM 29), and the Resource constructor turns each into outputs of a URN; nothing recorded here
  // depends on them, and at 1,000 VMs they are most of the cost. Only that alias-only merge is skipped.
  const { mergeOptions } = pulumiIndex;
  pulumiIndex.mergeOptions = (options, extra) =>
    extra !== undefined && Object.keys(extra).length === 1 && "aliases" in extra
      ? { ...options }
      : mergeOptions(options, extra);
  // Each constructor captures an unbounded stack trace for the source position it reports to the
  // engine; nothing here reads it, and under vitest's source maps it is the largest cost left.
  const { callsites } = ResourceClass;
  ResourceClass.callsites = () => [];
  const previous = setResponderCodeCheck(false);
  try {
    program();
    // Registrations made inside callbacks (an apply that constructs a resource) land while we wait.
    for (let settled = -1; settled !== pending.length; ) {
      settled = pending.length;
      await Promise.all(pending);
    }
  } finally {
    // Components register their outputs a few turns after their constructor returns, also when the
    // program threw: those calls must still reach the stand-in, not the mock engine.
    await new Promise((resolve) => setImmediate(resolve));
    runtimeResource.registerResource = registerResource;
    ResourceClass.callsites = callsites;
    runtimeResource.registerResourceOutputs = registerResourceOutputs;
    pulumiIndex.mergeOptions = mergeOptions;
    setResponderCodeCheck(previous);
  }
  return resources as PlannedResource[];
}

/**
 * A resource as compared across the two paths: inputs as canonical JSON (keys sorted, assets by
 * kind), and ids made up for logical names that two types share mapped to one spelling, since which
 * of the two registers first (and gets the bare id) is an accident of the engine's scheduling.
 */
export function comparable(resources: readonly PlannedResource[]): string[] {
  const canonicalId = new Map<string, string>();
  for (const r of resources) if (r.outputs?.id) canonicalId.set(r.outputs.id, `${r.name}-id`);
  const canonical = (value: unknown): unknown => {
    if (typeof value === "string") return canonicalId.get(value) ?? value;
    if (Array.isArray(value)) return value.map(canonical);
    if (value !== null && typeof value === "object") {
      const asset = value as Record<string, unknown>;
      if (asset.__pulumiAsset || asset.__pulumiArchive) return `(${value.constructor.name})`;
      return Object.fromEntries(
        Object.entries(asset)
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([k, v]) => [k, canonical(v)]),
      );
    }
    return value;
  };
  return resources
    .map((r) =>
      JSON.stringify({
        type: r.type,
        name: r.name,
        parentType: r.parentType,
        inputs: canonical(r.inputs),
        outputs: canonical(r.outputs),
      }),
    )
    .sort();
}
