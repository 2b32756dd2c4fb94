import { describe, expect, it } from "vitest";
import { RESPONDER_KINDS } from "../../../src/plan/responders.js";
import {
  AlertWebhookProperties,
  AzureFleetMembers,
  alertIntakeFunctionName,
  boundaryOf,
  memberIdOf,
  poisonQueueName,
  responderQueueName,
  STORAGE_NAMES,
  WEBHOOK_PROPERTIES,
} from "../../../src/runtime/azure/contract.js";
import { SEED_DIGEST } from "../../aws/support.js";

// "Naming Queues and Metadata" / "Naming and Referencing Containers, Blobs, and Metadata" (Azure
// Storage REST reference): 3–63 characters, lowercase letters, digits and single hyphens, starting and
// ending with a letter or digit. "Understanding the Table service data model": tables 3–63 letters and
// digits, not starting with a digit.
const QUEUE_OR_CONTAINER = /^(?=.{3,63}$)[a-z0-9](?:-?[a-z0-9])*$/;
const TABLE = /^[A-Za-z][A-Za-z0-9]{2,62}$/;

describe("Azure runtime contract", () => {
  it("names every responder's queue and poison queue within Azure's queue naming rules", () => {
    for (const kind of RESPONDER_KINDS) {
      expect(responderQueueName(kind)).toMatch(QUEUE_OR_CONTAINER);
      expect(poisonQueueName(kind)).toMatch(QUEUE_OR_CONTAINER);
    }
    expect(responderQueueName("shift-persona")).toBe("personas-shift-persona");
    expect(poisonQueueName("scale")).toBe("personas-scale-poison");
  });

  it("names the containers and the state table within Azure Storage's rules", () => {
    expect(STORAGE_NAMES.fleetContainer).toMatch(QUEUE_OR_CONTAINER);
    expect(STORAGE_NAMES.packagesContainer).toMatch(QUEUE_OR_CONTAINER);
    expect(STORAGE_NAMES.stateTable).toMatch(TABLE);
  });

  it("puts the firewall in its own function app and every other kind in the responders app", () => {
    expect(RESPONDER_KINDS.map((k) => [k, boundaryOf(k)])).toEqual(
      RESPONDER_KINDS.map((k) => [k, k === "firewall" ? "firewall" : "responders"]),
    );
    expect(alertIntakeFunctionName("scale")).toBe("alert-scale");
  });

  it("lowercases VM resource ids, as alertTargetIDs lists them, and the membership record accepts only those", () => {
    const id = memberIdOf(
      "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/personas-web_prod/providers/Microsoft.Compute/virtualMachines/Web-1",
    );
    expect(id).toBe(
      "/subscriptions/00000000-0000-0000-0000-000000000001/resourcegroups/personas-web_prod/providers/microsoft.compute/virtualmachines/web-1",
    );
    const record = { key: "web-1", digest: SEED_DIGEST };
    expect(AzureFleetMembers.safeParse({ version: 1, fleet: "web", members: { [id]: record } }).success).toBe(
      true,
    );
    const mixedCase = id.replace("web-1", "Web-1");
    expect(
      AzureFleetMembers.safeParse({ version: 1, fleet: "web", members: { [mixedCase]: record } }).success,
    ).toBe(false);
    expect(
      AzureFleetMembers.safeParse({ version: 1, fleet: "web", members: { "i-0123456789abcdef0": record } })
        .success,
    ).toBe(false);
  });

  it("validates the webhook properties an alert carries and refuses a missing digest", () => {
    const properties = {
      [WEBHOOK_PROPERTIES.schema]: "1",
      [WEBHOOK_PROPERTIES.fleet]: "web",
      [WEBHOOK_PROPERTIES.stack]: "prod",
      [WEBHOOK_PROPERTIES.persona]: "HighTraffic",
      [WEBHOOK_PROPERTIES.version]: "1.0.0",
      [WEBHOOK_PROPERTIES.digest]: SEED_DIGEST,
      [WEBHOOK_PROPERTIES.triggerId]: "cpu-high",
      [WEBHOOK_PROPERTIES.alarmId]: "cpu-high",
      [WEBHOOK_PROPERTIES.intent]: "activate",
      [WEBHOOK_PROPERTIES.member]: "web-1",
      [WEBHOOK_PROPERTIES.owner]: "stack",
    };
    expect(AlertWebhookProperties.safeParse(properties).success).toBe(true);
    const { [WEBHOOK_PROPERTIES.digest]: _digest, ...withoutDigest } = properties;
    expect(AlertWebhookProperties.safeParse(withoutDigest).success).toBe(false);
  });
});
