/**
 * Run-time manifest entries: the orchestrator writes a one-persona manifest per digest at
 * `/personas/<fleet>/runtime-manifest/<hex digest>`, and the responders' manifest source falls back
 * to it for a persona the stack's manifest does not list (a shift target), so its alarms act.
 */

import { GetParameterCommand, ParameterNotFound, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { contentDigest } from "../../../../src/repository/digest.js";
import { ManifestSource, runtimeManifestParameter } from "../../../../src/runtime/aws/manifest-source.js";
import { DIGEST, MANIFEST_PARAMETER, testManifest } from "../support.js";

const ssm = mockClient(SSMClient);
afterAll(() => ssm.restore());

const SHIFTED = contentDigest({ name: "LockedDown", version: "1.0.0" });
const SHIFTED_HEX = SHIFTED.slice("sha256:".length);
const RUNTIME_PARAMETER = `/personas/web/prod/runtime-manifest/${SHIFTED_HEX}`;

function shiftedEntry() {
  const manifest = testManifest();
  const persona = { ...manifest.personas[DIGEST]!, name: "LockedDown", version: "1.0.0" };
  return { version: 1, fleet: "web", personas: { [SHIFTED]: persona }, feeds: {} };
}

function serve(parameters: Record<string, unknown>) {
  ssm.on(GetParameterCommand).callsFake(async (input: { Name: string }) => {
    const value = parameters[input.Name];
    if (value === undefined)
      throw new ParameterNotFound({ message: `Parameter ${input.Name} not found.`, $metadata: {} });
    return { Parameter: { Name: input.Name, Value: JSON.stringify(value) } };
  });
}

function reads(): string[] {
  return ssm.commandCalls(GetParameterCommand).map((c) => c.args[0].input.Name!);
}

beforeEach(() => ssm.reset());

describe("runtimeManifestParameter", () => {
  it("names the entry beside the fleet manifest by the digest's hex, since SSM names allow no ':'", () => {
    expect(runtimeManifestParameter("/personas/web/prod/manifest", SHIFTED)).toBe(RUNTIME_PARAMETER);
    expect(runtimeManifestParameter("/personas/web/prod/manifest", SHIFTED_HEX)).toBe(RUNTIME_PARAMETER);
    expect(runtimeManifestParameter("/custom/fleet-doc", SHIFTED)).toBeUndefined();
  });
});

describe("ManifestSource with run-time entries", () => {
  it("finds a persona the fleet manifest lacks in its run-time entry, then serves it from the cache", async () => {
    serve({ [MANIFEST_PARAMETER]: testManifest(), [RUNTIME_PARAMETER]: shiftedEntry() });
    const source = new ManifestSource(new SSMClient({}), MANIFEST_PARAMETER);

    const first = await source.persona(SHIFTED);
    const second = await source.persona(SHIFTED);

    expect(first.persona.name).toBe("LockedDown");
    expect(second.persona).toEqual(first.persona);
    expect(reads()).toEqual([MANIFEST_PARAMETER, MANIFEST_PARAMETER, RUNTIME_PARAMETER]);
  });

  it("prefers the fleet manifest and never reads an entry for a persona it lists", async () => {
    serve({ [MANIFEST_PARAMETER]: testManifest(), [RUNTIME_PARAMETER]: shiftedEntry() });
    const source = new ManifestSource(new SSMClient({}), MANIFEST_PARAMETER);
    expect((await source.persona(DIGEST)).persona.name).toBe(testManifest().personas[DIGEST]!.name);
    expect(reads()).toEqual([MANIFEST_PARAMETER]);
  });

  it("refuses a digest neither the manifest nor a run-time entry knows, as before", async () => {
    serve({ [MANIFEST_PARAMETER]: testManifest() });
    const source = new ManifestSource(new SSMClient({}), MANIFEST_PARAMETER);
    await expect(source.persona(SHIFTED)).rejects.toThrow(
      `The fleet manifest in ${MANIFEST_PARAMETER} has no persona with digest ${SHIFTED}; the alarm or instance belongs to a persona this fleet no longer deploys. Run \`pulumi up\` to bring alarms and the manifest back in step.`,
    );
  });

  it("ignores an entry that does not hold the digest it is named after", async () => {
    const entry = shiftedEntry();
    serve({
      [MANIFEST_PARAMETER]: testManifest(),
      [RUNTIME_PARAMETER]: { ...entry, personas: { [DIGEST]: entry.personas[SHIFTED] } },
    });
    const source = new ManifestSource(new SSMClient({}), MANIFEST_PARAMETER);
    await expect(source.persona(SHIFTED)).rejects.toThrow(/has no persona with digest/);
  });

  it("reports a run-time entry it cannot read for another reason than its absence", async () => {
    ssm.on(GetParameterCommand, { Name: MANIFEST_PARAMETER }).resolves({
      Parameter: { Value: JSON.stringify(testManifest()) },
    });
    ssm.on(GetParameterCommand, { Name: RUNTIME_PARAMETER }).rejects(new Error("Access denied"));
    const source = new ManifestSource(new SSMClient({}), MANIFEST_PARAMETER);
    await expect(source.persona(SHIFTED)).rejects.toThrow(
      `Could not read the fleet manifest from SSM parameter ${RUNTIME_PARAMETER}: Access denied`,
    );
  });
});
