/** What the orchestrator accepts: EC2 tag changes and its fleet's sweep, nothing else. */
import { describe, expect, it } from "vitest";
import { OrchestratorEnv } from "../../../../src/runtime/aws/orchestrator/env.js";
import { parseOrchestratorEvent } from "../../../../src/runtime/aws/orchestrator/events.js";

const change = (resources: string[]) => ({
  source: "aws.tag",
  "detail-type": "Tag Change on Resource",
  resources,
  detail: { "changed-tag-keys": ["role"], service: "ec2", "resource-type": "instance" },
});

describe("parseOrchestratorEvent", () => {
  it("reads the instance ids of a tag change, once each", () => {
    expect(
      parseOrchestratorEvent(
        change([
          "arn:aws:ec2:eu-west-1:111122223333:instance/i-0123456789abcdef0",
          "arn:aws:ec2:eu-west-1:111122223333:instance/i-0123456789abcdef0",
        ]),
        "web",
      ),
    ).toEqual({ kind: "instances", instanceIds: ["i-0123456789abcdef0"] });
  });

  it("accepts the sweep of its own fleet", () => {
    expect(
      parseOrchestratorEvent({ source: "personas.orchestrator", fleet: "web", kind: "sweep" }, "web"),
    ).toEqual({
      kind: "sweep",
    });
  });

  it("rejects a tag change on something other than an instance", () => {
    expect(() =>
      parseOrchestratorEvent(
        change(["arn:aws:ec2:eu-west-1:111122223333:volume/vol-0123456789abcdef0"]),
        "web",
      ),
    ).toThrow(
      "Rejected a tag change on arn:aws:ec2:eu-west-1:111122223333:volume/vol-0123456789abcdef0: the orchestrator reconciles EC2 instances only; nothing was done.",
    );
  });

  it("rejects a malformed sweep", () => {
    expect(() => parseOrchestratorEvent({ source: "personas.orchestrator", fleet: "web" }, "web")).toThrow(
      'Rejected a sweep event that is not {"source":"personas.orchestrator","fleet":"<fleet>","kind":"sweep"}; nothing was done.',
    );
  });
});

describe("OrchestratorEnv", () => {
  it("defaults the mapping key, prefixes and concurrency from the fleet", () => {
    const env = new OrchestratorEnv({
      FLEET_NAME: "web",
      STACK_NAME: "prod",
      REPOSITORY_BUCKET: "b",
      STATE_TABLE: "t",
    });
    expect([
      env.mappingKey,
      env.prefix,
      env.agentParameterPrefix,
      env.featureParameterPrefix,
      env.concurrency,
    ]).toEqual([
      "mappings/web.yaml",
      "personas/",
      "/personas/web/prod/agent",
      "/personas/web/prod/features",
      8,
    ]);
  });

  it("names a missing or malformed variable and who sets it", () => {
    expect(() => new OrchestratorEnv({ FLEET_NAME: "web" }).bucket).toThrow(
      "Environment variable REPOSITORY_BUCKET is not set; it must hold the S3 bucket personas are published to (the PersonaFleet component sets it on the orchestrator function; redeploy the stack).",
    );
    expect(() => new OrchestratorEnv({ CONCURRENCY: "0" }).concurrency).toThrow(
      "Environment variable CONCURRENCY is '0'; it must be a whole number from 1 to 64 (unset, it defaults to 8).",
    );
    expect(() => new OrchestratorEnv({ INSTANCE_OS: "windows" }).operatingSystem).toThrow(
      "Environment variable INSTANCE_OS is 'windows'; it must be one of amazon-linux, rhel, ubuntu, debian (the PersonaFleet component sets it on the orchestrator function; redeploy the stack).",
    );
  });
});
