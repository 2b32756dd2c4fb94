/**
 * Registering a fleet's resources without the Pulumi SDK's per-promise stack capture
 * (src/registration.ts): what changes (the `_debugStackTrace` the SDK's `debuggablePromise` stores,
 * read only for the PULUMI_DEBUG_PROMISE_LEAKS report) and what must not (the stack trace limit
 * afterwards, errors' stacks, resource source positions, the opt-out).
 */
import * as pulumi from "@pulumi/pulumi";
import * as state from "@pulumi/pulumi/runtime/state.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PersonaFleet } from "../src/aws/fleet.js";
import { withoutPromiseStacks } from "../src/registration.js";
import { seedPersona, WEB_ACL } from "./aws/support.js";
import { recorder, settled } from "./support/pulumi.js";

/** A promise the SDK is tracking (`debuggablePromise`, runtime/debuggable.ts): its operation and stored stack. */
interface DebuggablePromise {
  _debugCtx: string;
  _debugStackTrace: string;
}

/**
 * The stacks stored on the still-pending promises of one resource, read from the SDK's leak
 * candidates (the set its PULUMI_DEBUG_PROMISE_LEAKS report prints) before they settle.
 */
function pendingStacksOf(resourceName: string): string[] {
  // getStore is internal to the SDK (runtime/state.js), so it is not in its type declarations.
  const store = (state as unknown as { getStore(): { leakCandidates: Set<DebuggablePromise> } }).getStore();
  return [...store.leakCandidates]
    .filter((p) => p._debugCtx.includes(`resource:${resourceName}[`))
    .map((p) => p._debugStackTrace);
}

const HAS_FRAMES = /\n\s+at /;

function seedFleet(name: string) {
  return new PersonaFleet(name, {
    ami: "ami-0123456789abcdef0",
    defaultPersona: seedPersona,
    instances: [{ name: "web-1" }],
    firewall: { webAclArn: WEB_ACL },
  });
}

const LEAKS = "PULUMI_DEBUG_PROMISE_LEAKS";
let leaksBefore: string | undefined;
beforeEach(() => {
  recorder.reset();
  leaksBefore = process.env[LEAKS];
  delete process.env[LEAKS];
});
afterEach(() => {
  if (leaksBefore === undefined) delete process.env[LEAKS];
  else process.env[LEAKS] = leaksBefore;
});

describe("withoutPromiseStacks", () => {
  it("captures no stack frames inside and restores the limit afterwards", () => {
    const before = Error.stackTraceLimit;
    const inside = withoutPromiseStacks(() => ({
      limit: Error.stackTraceLimit,
      stack: new Error("x").stack,
    }));
    expect(inside).toEqual({ limit: 0, stack: "Error: x" });
    expect(Error.stackTraceLimit).toBe(before);
  });

  it("restores the limit when the registration throws, and gives the error the stack where it leaves", () => {
    const before = Error.stackTraceLimit;
    let thrown: unknown;
    try {
      withoutPromiseStacks(() => {
        throw new RangeError("bad member");
      });
    } catch (error) {
      thrown = error;
    }
    expect(Error.stackTraceLimit).toBe(before);
    expect(thrown).toBeInstanceOf(RangeError);
    expect((thrown as Error).stack).toMatch(/^RangeError: bad member\n\s+at .*registration\.test\.ts/);
  });

  it("keeps an error's own stack when it has one", () => {
    const made = new TypeError("made outside");
    const stack = made.stack;
    expect(() =>
      withoutPromiseStacks(() => {
        throw made;
      }),
    ).toThrow(made);
    expect(made.stack).toBe(stack);
  });

  it("changes nothing when PULUMI_DEBUG_PROMISE_LEAKS asks for the stacks", () => {
    process.env[LEAKS] = "1";
    const before = Error.stackTraceLimit;
    expect(withoutPromiseStacks(() => Error.stackTraceLimit)).toBe(before);
  });

  it("leaves the SDK's source positions intact: Resource.callsites sets its own limit", () => {
    const callsites = (pulumi.Resource as unknown as { callsites(): unknown[] }).callsites;
    const outside = callsites().length;
    // Inside, the same stack plus the wrapper's frames: nothing is cut off.
    expect(withoutPromiseStacks(() => callsites().length)).toBeGreaterThan(outside);
  });
});

describe("PersonaFleet registration", () => {
  it("registers its members' promises without stacks, and with them under PULUMI_DEBUG_PROMISE_LEAKS", async () => {
    seedFleet("quiet");
    const quiet = pendingStacksOf("quiet-web-1");
    process.env[LEAKS] = "1";
    seedFleet("debugged");
    const debugged = pendingStacksOf("debugged-web-1");
    await settled();
    // An instance's ~250 promises (urn, id and every output property, each with its known/secret flags).
    expect(quiet.length).toBeGreaterThan(200);
    expect(quiet.filter((stack) => HAS_FRAMES.test(stack))).toEqual([]);
    expect(debugged.length).toBe(quiet.length);
    expect(debugged.every((stack) => HAS_FRAMES.test(stack))).toBe(true);
    // The same resources either way: only the SDK's debugging aid differs.
    const registered = recorder.resources.map((r) => r.name);
    expect(registered.filter((n) => n.startsWith("quiet-")).map((n) => n.slice("quiet".length))).toEqual(
      registered.filter((n) => n.startsWith("debugged-")).map((n) => n.slice("debugged".length)),
    );
  });
});
