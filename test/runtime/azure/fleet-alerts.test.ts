/**
 * The Azure runtime on alerts of a fleet-wide rule (issue 18): one multi-resource metric alert rule
 * over the fleet's resource group fires and resolves per VM, naming that VM in `alertTargetIDs`
 * ("Monitor multiple time series in a single metric alert rule", Microsoft Learn: "the condition is
 * evaluated separately for each of the resources … alerts are also fired for each resource
 * separately"). The rule in the ARM double and its webhook properties are the renderer's own
 * (`fleetAlertArgs`); the calls follow Microsoft's common alert schema sample ("Common alert schema",
 * "Sample alert payload": `essentials.alertTargetIDs` lowercased, `alertRuleID`, `configurationItems`,
 * `alertContext.conditionType`), with the multi-resource criteria's condition type.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { parsePersona } from "../../../src/pdl/parse.js";
import { type FleetPlan, planFleet } from "../../../src/plan/plan.js";
import { contentDigest } from "../../../src/repository/digest.js";
import { azureScaleExecutor } from "../../../src/runtime/azure/actions/scale.js";
import { memberIdOf, responderQueueName } from "../../../src/runtime/azure/contract.js";
import { createWorker } from "../../../src/runtime/azure/worker.js";
import { RESOURCE_GROUP, vmResourceId } from "../../support/arm-double.js";
import { noAzurite } from "../../support/azurite.js";
import {
  type AzureWorld,
  alarmIdOf,
  DIGEST,
  deployFleetRule,
  drainQueue,
  FLEET,
  type FleetRule,
  fleetAlert,
  fleetRule,
  intakePoster,
  membersOf,
  putMembers,
  SEED_PERSONA_TEXT,
  STACK,
  seedWorld,
} from "./support.js";

const seed = parsePersona(SEED_PERSONA_TEXT, { file: "HighTraffic.yaml" });
// Another persona of the same fleet (another version: another digest), on member api-1.
const other = parsePersona(SEED_PERSONA_TEXT.replace('"1.3.0"', '"1.4.0"'), { file: "HighTraffic.yaml" });
const OTHER_DIGEST = contentDigest(other);

/** The seed on web-1 and web-2 and the other persona on api-1, as the planner makes the fleet. */
function mixedPlan(extra: readonly string[] = []): FleetPlan {
  const resolved = (persona: typeof seed, digest: string) => ({
    persona,
    ref: { name: persona.name, version: persona.version ?? "1.3.0", digest },
    size: { cloud: "azure" as const, name: "Standard_D8s_v5" },
  });
  return planFleet(
    FLEET,
    [
      ...["web-1", "web-2", ...extra].map((key) => ({ key, resolved: resolved(seed, DIGEST) })),
      { key: "api-1", resolved: resolved(other, OTHER_DIGEST) },
    ],
    { webAcl: false, networkAcl: false },
    { alarms: "fleet-wide" },
  );
}

/** The seed's CPU rule as the renderer makes it, for the double's resource group and action groups. */
function cpuRule(plan: FleetPlan): FleetRule {
  return fleetRule(plan, DIGEST, alarmIdOf("cpu"));
}

describe.skipIf(noAzurite)(
  "Alerts of a fleet-wide rule on Azure (one rule over the resource group, per-VM firing)",
  () => {
    let world: AzureWorld;
    let post: ReturnType<typeof intakePoster>;
    let rule: ReturnType<typeof cpuRule>;
    const scale = () =>
      drainQueue(
        world.queues,
        responderQueueName("scale"),
        createWorker("scale", azureScaleExecutor, world.options),
      );

    beforeEach(async () => {
      const plan = mixedPlan();
      world = await seedWorld(plan);
      world.arm.addVm("api-1", { size: "Standard_D8s_v5" });
      rule = cpuRule(plan);
      await deployFleetRule(world, rule);
      world.arm.actions.length = 0;
      post = intakePoster(world);
    });

    it("resizes exactly the VM the alert names, and no other VM the rule watches", async () => {
      expect(await post("scale", fleetAlert(rule, "web-2"))).toEqual({
        status: 202,
        body: { outcome: "queued" },
      });

      const { results } = await scale();

      expect(results).toEqual([
        expect.objectContaining({ outcome: "acted", vmId: memberIdOf(vmResourceId("web-2")) }),
      ]);
      expect(world.arm.actions).toEqual(["deallocate web-2", "resize web-2 Standard_D16s_v5", "start web-2"]);
      expect(world.arm.vm("web-1").size).toBe("Standard_D8s_v5");
    });

    it("keeps idempotency and the cooldown per VM: a redelivery and a second firing of the same VM do nothing, another VM acts", async () => {
      await post("scale", fleetAlert(rule, "web-1"));
      expect(await post("scale", fleetAlert(rule, "web-1"))).toEqual({
        status: 202,
        body: { outcome: "duplicate" },
      });
      await scale();
      world.arm.actions.length = 0;

      // Five minutes later the rule fires again for web-1 (inside its 15-minute cooldown) and for web-2.
      world.clock.now += 5 * 60_000;
      await post("scale", fleetAlert(rule, "web-1", { firedAt: "2027-01-15T10:05:00.000Z" }));
      await post("scale", fleetAlert(rule, "web-2", { firedAt: "2027-01-15T10:05:00.000Z" }));
      const { results } = await scale();

      expect(results).toEqual([
        expect.objectContaining({ outcome: "skipped", reason: "cooldown" }),
        expect.objectContaining({ outcome: "acted", vmId: memberIdOf(vmResourceId("web-2")) }),
      ]);
      expect(world.arm.actions.filter((a) => a.includes("web-1"))).toEqual([]);
    });

    it("refuses and logs the rule's alert on a member VM of another persona in the same group", async () => {
      const answer = await post("scale", fleetAlert(rule, "api-1"));

      expect(answer).toEqual({ status: 403, body: { outcome: "rejected", reason: "digest" } });
      expect(world.logs).toContainEqual(
        expect.objectContaining({
          outcome: "rejected",
          reason: "digest",
          message: `Alert ${rule.ruleName} is the fleet-wide rule of persona ${DIGEST}, but ${memberIdOf(vmResourceId("api-1"))} is a member with persona ${OTHER_DIGEST}; nothing was done.`,
        }),
      );
      expect((await scale()).results).toEqual([]);
      expect(world.arm.actions).toEqual([]);
    });

    it("refuses and logs the rule's alert on a VM in the group that the membership record does not list", async () => {
      world.arm.addVm("stray", { tags: { "persona:fleet": FLEET, "persona:digest": DIGEST } });

      const answer = await post("scale", fleetAlert(rule, "stray"));

      expect(answer).toEqual({ status: 403, body: { outcome: "rejected", reason: "not-member" } });
      expect(world.logs).toContainEqual(
        expect.objectContaining({
          outcome: "rejected",
          reason: "not-member",
          message: `VM ${memberIdOf(vmResourceId("stray"))} is not a member of fleet web (the stack's membership record does not list it, whatever its tags say); nothing was done.`,
        }),
      );
      expect((await scale()).results).toEqual([]);
    });

    it("covers a VM the next `pulumi up` adds to the group with no new alert rule", async () => {
      world.arm.addVm("web-3", { size: "Standard_D8s_v5" });
      // The next deployment writes the new membership record; the rule is the same rule.
      const grown = mixedPlan(["web-3"]);
      await putMembers(world.options, membersOf(grown));
      expect(cpuRule(grown)).toEqual(rule);

      expect(await post("scale", fleetAlert(rule, "web-3"))).toEqual({
        status: 202,
        body: { outcome: "queued" },
      });
      await scale();

      expect(world.arm.actions).toEqual(["deallocate web-3", "resize web-3 Standard_D16s_v5", "start web-3"]);
      expect(world.arm.actions.filter((a) => a.startsWith("putAlert"))).toEqual([]);
    });

    it("queues nothing when the rule resolves for a VM: the trigger acts when it fires", async () => {
      expect(await post("scale", fleetAlert(rule, "web-1", { condition: "Resolved" }))).toEqual({
        status: 202,
        body: { outcome: "skipped", reason: "resolved" },
      });
    });

    it("refuses a fleet-wide alert whose name is not the rule of the digest it names", async () => {
      const forged = JSON.parse(fleetAlert(rule, "web-1")) as { data: { essentials: { alertRule: string } } };
      forged.data.essentials.alertRule = `personas-${FLEET}_${STACK}_fleet-0000000000000000-${alarmIdOf("cpu")}`;

      expect(await post("scale", JSON.stringify(forged))).toEqual({
        status: 403,
        body: { outcome: "rejected", reason: "alert-name" },
      });
    });

    it("refuses at the worker a fleet-owned rule in ARM that does not watch the fleet's group", async () => {
      // A rule with the right name and tags but scoped to one VM: not what the components deploy.
      await deployFleetRule(world, { ...rule, scopes: [vmResourceId("web-1")] });
      await post("scale", fleetAlert(rule, "web-1"));

      const { results } = await scale();

      expect(results).toEqual([
        {
          outcome: "rejected",
          reason: "alert-rule",
          detail: `Alert rule ${rule.ruleName} does not watch the virtual machines of resource group ${RESOURCE_GROUP} with the tags persona:owner=fleet and persona:fleet=${FLEET}; nothing was done.`,
          vmId: memberIdOf(vmResourceId("web-1")),
        },
      ]);
      expect(world.arm.actions.filter((a) => !a.startsWith("putAlert"))).toEqual([]);
    });
  },
);
