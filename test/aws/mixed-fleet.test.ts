/**
 * A mixed fleet of every embedded persona (personas/, every version) with 1,000 instances plans under
 * the mock engine, and its manifest is stored in the fleet store: one object per persona digest, one
 * per feed, the whole manifest and the membership record (issue 12, "Must show"). The manifest
 * outgrew an SSM parameter at five personas (8 KB); S3 objects have no such ceiling.
 */
import { afterAll, describe, expect, it } from "vitest";
import { type ContractResource, checkCloudContract, formatViolation } from "../../src/aws/cloud-contract.js";
import { PersonaFleet } from "../../src/aws/index.js";
import { planOffline } from "../../src/aws/offline.js";
import { FLEET_STORE_KEYS, FleetManifest, FleetMembers } from "../../src/plan/manifest.js";
import type { PlanInput } from "../../src/plan/plan.js";
import { defaultRepository } from "../../src/repository/repository.js";
import { installMocks } from "../support/pulumi.js";
import { WEB_ACL } from "./support.js";

const INSTANCES = 1000;

/** Every version of every embedded persona, as the repository resolves it. */
function embeddedPersonas(): PlanInput[] {
  const repository = defaultRepository();
  return repository.list().map((entry) => {
    const chain = repository.resolve(`${entry.name}@${entry.version}`);
    return {
      persona: chain.persona,
      ref: { name: entry.name, version: entry.version, digest: chain.digest },
    };
  });
}

// planOffline installs its own mocks (with ARNs shaped like AWS's); later files expect the recorder.
afterAll(() => installMocks());

describe("PersonaFleet with every embedded persona and 1,000 instances", () => {
  it("plans within the cloud contract and stores the whole manifest and the membership record", async () => {
    const personas = embeddedPersonas();
    const resources = await planOffline(() => {
      new PersonaFleet("mixed", {
        ami: { arm64: "ami-0aaaaaaaaaaaaaaaa", x86_64: "ami-0bbbbbbbbbbbbbbbb" },
        instances: Array.from({ length: INSTANCES }, (_, i) => ({
          name: `node-${i + 1}`,
          persona: personas[i % personas.length]!,
        })),
        firewall: { webAclArn: WEB_ACL },
        // ApiServer alarms on the error rate the agent derives from a log file.
        agent: {
          logFiles: [{ name: "nginx", path: "/var/log/nginx/access.log", errorPattern: '" 5\\d\\d ' }],
        },
        notifications: {
          "ops-team": "arn:aws:sns:us-east-1:123456789012:ops-team",
          "api-oncall": "arn:aws:sns:us-east-1:123456789012:api-oncall",
          security: "arn:aws:sns:us-east-1:123456789012:security",
        },
      });
    });
    const instances = resources.filter((r) => r.type === "aws:ec2/instance:Instance");
    expect(personas.length).toBeGreaterThanOrEqual(5);
    expect(instances).toHaveLength(INSTANCES);
    expect(
      new Set(instances.map((i) => (i.inputs.tags as Record<string, string>)["persona:digest"])).size,
    ).toBe(new Set(personas.map((p) => p.ref.digest)).size);
    const violations = checkCloudContract(resources as ContractResource[]);
    expect(violations.map(formatViolation)).toEqual([]);

    const objects = resources.filter((r) => r.type === "aws:s3/bucketObjectv2:BucketObjectv2");
    const whole = objects.find((o) => o.inputs.key === FLEET_STORE_KEYS.fleet)!;
    const manifest = FleetManifest.parse(JSON.parse(whole.inputs.content as string));
    expect(Object.keys(manifest.personas).sort()).toEqual(
      [...new Set(personas.map((p) => p.ref.digest))].sort(),
    );
    // Larger than the 8 KB an SSM parameter could hold, stored whole.
    expect(Buffer.byteLength(whole.inputs.content as string)).toBeGreaterThan(8192);
    for (const digest of Object.keys(manifest.personas))
      expect(objects.map((o) => o.inputs.key)).toContain(FLEET_STORE_KEYS.persona(digest));

    const record = objects.find((o) => o.inputs.key === FLEET_STORE_KEYS.members)!;
    const members = FleetMembers.parse(JSON.parse(record.inputs.content as string));
    expect(Object.keys(members.members)).toHaveLength(INSTANCES);
    // A bound on a hung plan, not a timing: about 30 s at load 1, minutes beside a full parallel run.
  }, 900_000);
});
