// One persona file and one mapping, deployed by the AWS and the Azure components: the same persona,
// version, digest and triggers on both clouds; only sizes and the alert rendering differ.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PersonaFleet, resolveWith } from "../../src/aws/index.js";
import { AzurePersonaFleet, resolveWithAzure, setFunctionPackageCheck } from "../../src/azure/index.js";
import { PersonaRepository } from "../../src/repository/index.js";
import { createResolutionContext, parseMapping } from "../../src/resolve/index.js";
import { WEB_ACL } from "../aws/support.js";
import { recorder, settled } from "../support/pulumi.js";

const EXAMPLE = join("examples", "aws-web-hightraffic");

function context() {
  const mappingFile = join(EXAMPLE, "mapping.yaml");
  return createResolutionContext(
    PersonaRepository.fromDirectory(join(EXAMPLE, "personas")),
    parseMapping(readFileSync(mappingFile, "utf8"), { file: mappingFile }),
  );
}

let previousCheck: boolean;
beforeAll(() => {
  previousCheck = setFunctionPackageCheck(false);
});
afterAll(() => {
  setFunctionPackageCheck(previousCheck);
});
beforeEach(() => recorder.reset());

describe("One persona file and mapping on AWS and on Azure", () => {
  it("gives the same persona, version, digest and triggers on both clouds", async () => {
    const instances = [{ name: "web-1", tags: { role: "web" } }];
    const aws = new PersonaFleet("web", {
      ami: "ami-0123456789abcdef0",
      architecture: "arm64",
      resolve: resolveWith(context()),
      instances,
      firewall: { webAclArn: WEB_ACL },
    });
    const azure = new AzurePersonaFleet("web-az", {
      fleetName: "web",
      location: "westeurope",
      image: { publisher: "Canonical", offer: "ubuntu-24_04-lts", sku: "server" },
      subnetId: "subnet",
      admin: { username: "ops", sshPublicKey: "ssh-ed25519 AAAA ops" },
      resolve: resolveWithAzure(context()),
      instances: instances.map((i) => ({ ...i, privateIpAddress: "10.0.0.4" })),
      firewall: {
        networkSecurityGroupId:
          "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/network/providers/Microsoft.Network/networkSecurityGroups/edge",
      },
    });
    await settled();
    const [awsPlan, azurePlan] = [aws.plan.instances[0]!.plan, azure.plan.instances[0]!.plan];
    expect(azurePlan.persona).toEqual(awsPlan.persona);
    expect(azurePlan.persona.name).toBe("HighTraffic");
    const triggers = (plan: typeof awsPlan) =>
      plan.alarms.map((a) => ({
        id: a.id,
        triggerId: a.triggerId,
        condition: a.condition,
        onAlarm: a.onAlarm,
      }));
    expect(triggers(azurePlan)).toEqual(triggers(awsPlan));
    expect(azure.baseline["web-1"]).toMatchObject({
      persona: aws.baseline["web-1"]!.persona,
      version: aws.baseline["web-1"]!.version,
      digest: aws.baseline["web-1"]!.digest,
    });
    expect(aws.baseline["web-1"]!.instanceType).not.toMatch(/^Standard_/);
    expect(azure.baseline["web-1"]!.vmSize).toMatch(/^Standard_/);
  });
});
