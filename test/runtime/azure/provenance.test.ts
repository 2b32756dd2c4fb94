import { beforeEach, describe, expect, it } from "vitest";
import { parsePersona } from "../../../src/pdl/parse.js";
import { contentDigest } from "../../../src/repository/digest.js";
import { azureScaleExecutor } from "../../../src/runtime/azure/actions/scale.js";
import { APP_SETTINGS, responderQueueName, WEBHOOK_PROPERTIES } from "../../../src/runtime/azure/contract.js";
import { createWorker } from "../../../src/runtime/azure/worker.js";
import { RESOURCE_GROUP, SUBSCRIPTION, vmResourceId } from "../../support/arm-double.js";
import { noAzurite } from "../../support/azurite.js";
import {
  type AzureWorld,
  alarmIdOf,
  alertName,
  commonAlert,
  drainQueue,
  FLEET,
  intakePoster,
  memberVmId,
  SEED_PERSONA_TEXT,
  seedWorld,
  webhookProperties,
} from "./support.js";

describe.skipIf(noAzurite)("Alert intake: who may make the runtime act", () => {
  let world: AzureWorld;
  let post: ReturnType<typeof intakePoster>;

  beforeEach(async () => {
    world = await seedWorld();
    post = intakePoster(world);
  });

  async function nothingHappened() {
    const { results } = await drainQueue(
      world.queues,
      responderQueueName("scale"),
      createWorker("scale", azureScaleExecutor, world.options),
    );
    expect(results).toEqual([]);
    expect(world.arm.actions).toEqual([]);
  }

  it("changes nothing for a forged alert on a VM the membership record does not list, whatever its tags", async () => {
    const intruder = world.arm.addVm("intruder", {
      tags: { "persona:fleet": FLEET, "persona:name": "HighTraffic" },
    });

    const answer = await post(
      "scale",
      commonAlert(alarmIdOf("cpu"), {
        vmId: intruder.id,
        alertRule: alertName(alarmIdOf("cpu"), "intruder"),
      }),
    );

    expect(answer).toEqual({ status: 403, body: { outcome: "rejected", reason: "not-member" } });
    expect(world.logs).toContainEqual(
      expect.objectContaining({
        outcome: "rejected",
        reason: "not-member",
        message: `VM ${intruder.id.toLowerCase()} is not a member of fleet web (the stack's membership record does not list it, whatever its tags say); nothing was done.`,
      }),
    );
    await nothingHappened();
  });

  it("refuses a VM outside the fleet's resource group", async () => {
    const answer = await post(
      "scale",
      commonAlert(alarmIdOf("cpu"), { vmId: vmResourceId("web-1", "rg-other") }),
    );
    expect(answer).toEqual({ status: 403, body: { outcome: "rejected", reason: "not-member" } });
    await nothingHappened();
  });

  it("looks past the fleet's group only into the groups of attached VMs, and still asks the membership record", async () => {
    // PERSONAS_MEMBER_GROUPS is what an AzurePersonaAttachment sets: rg-apps holds attached VMs.
    world.options.env![APP_SETTINGS.memberGroups] = JSON.stringify([
      `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-apps`,
    ]);
    post = intakePoster(world);
    const attached = vmResourceId("web-1", "rg-apps").toLowerCase();
    const other = vmResourceId("web-1", "rg-other").toLowerCase();

    const inAttachedGroup = await post("scale", commonAlert(alarmIdOf("cpu"), { vmId: attached }));
    const inOtherGroup = await post("scale", commonAlert(alarmIdOf("cpu"), { vmId: other }));

    const rejected = { status: 403, body: { outcome: "rejected", reason: "not-member" } };
    expect([inAttachedGroup, inOtherGroup]).toEqual([rejected, rejected]);
    expect(world.logs.map((l) => l.message)).toEqual(
      expect.arrayContaining([
        `VM ${attached} is not a member of fleet web (the stack's membership record does not list it, whatever its tags say); nothing was done.`,
        `VM ${other} is outside the fleet's resource group ${RESOURCE_GROUP} and the groups of its attached VMs; nothing was done.`,
      ]),
    );
    await nothingHappened();
  });

  it("refuses an alert whose name is not the one the stack gave this member and alarm", async () => {
    const answer = await post(
      "scale",
      commonAlert(alarmIdOf("cpu"), { alertRule: alertName(alarmIdOf("cpu"), "web-2") }),
    );
    expect(answer).toEqual({ status: 403, body: { outcome: "rejected", reason: "alert-name" } });
    await nothingHappened();
  });

  it("refuses an alert that names another persona digest or fleet, or lacks the webhook properties", async () => {
    const properties = (overrides: Record<string, string>) => ({
      ...webhookProperties(alarmIdOf("cpu")),
      ...overrides,
    });
    // Another persona's digest, as the repository computes it.
    const otherDigest = contentDigest(
      parsePersona(SEED_PERSONA_TEXT.replace('"1.3.0"', '"1.4.0"'), { file: "HighTraffic.yaml" }),
    );
    expect(
      await post(
        "scale",
        commonAlert(alarmIdOf("cpu"), {
          properties: properties({ [WEBHOOK_PROPERTIES.digest]: otherDigest }),
        }),
      ),
    ).toEqual({
      status: 403,
      body: { outcome: "rejected", reason: "digest" },
    });
    expect(
      await post(
        "scale",
        commonAlert(alarmIdOf("cpu"), { properties: properties({ [WEBHOOK_PROPERTIES.fleet]: "api" }) }),
      ),
    ).toEqual({
      status: 403,
      body: { outcome: "rejected", reason: "alert-properties" },
    });
    expect(await post("scale", commonAlert(alarmIdOf("cpu"), { properties: {} }))).toEqual({
      status: 403,
      body: { outcome: "rejected", reason: "alert-properties" },
    });
    await nothingHappened();
  });

  it("answers 400 with what to do for a call that is not a common-schema alert, and for more than one target", async () => {
    expect(await post("scale", "not json")).toEqual({
      status: 400,
      body: {
        outcome: "rejected",
        reason: "invalid-alert",
        detail: "The alert is not JSON; the action group must call with the common alert schema.",
      },
    });
    const twoTargets = JSON.parse(commonAlert(alarmIdOf("cpu"))) as {
      data: { essentials: { alertTargetIDs: string[] } };
    };
    twoTargets.data.essentials.alertTargetIDs.push(memberVmId("web-2"));
    expect((await post("scale", JSON.stringify(twoTargets))).status).toBe(400);
    await nothingHappened();
  });

  it("refuses an oversized call before reading it (413)", async () => {
    const body = commonAlert(alarmIdOf("cpu")).replace('"origin"', `"${"o".repeat(70_000)}"`);
    expect(await post("scale", body)).toEqual({
      status: 413,
      body: { outcome: "rejected", reason: "too-large" },
    });
    await nothingHappened();
  });

  it("drops a job whose alert rule does not exist in the fleet's resource group (a copied function key is not enough)", async () => {
    world.arm.alerts.clear();
    await post("scale", commonAlert(alarmIdOf("cpu")));

    const { results } = await drainQueue(
      world.queues,
      responderQueueName("scale"),
      createWorker("scale", azureScaleExecutor, world.options),
    );

    expect(results).toEqual([expect.objectContaining({ outcome: "rejected", reason: "alert-rule" })]);
    expect(world.arm.actions).toEqual([]);
  });
});
