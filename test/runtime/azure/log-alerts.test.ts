/**
 * The Azure runtime on alerts of a fleet-wide log search rule (issue 18, the agent's metrics): one
 * `Microsoft.Insights/scheduledQueryRules` rule over the agent's table, split by its Resource ID column,
 * fires and resolves per VM and names that VM in `alertTargetIDs`. The rule in the ARM double and its
 * custom properties are the renderer's own (`logSearchRuleArgs`); the calls follow Microsoft's sample
 * ("Webhook actions for log search alerts", "Log alert for all resources logs (from API version
 * 2021-08-01)": `signalType` Log, `monitoringService` "Log Alerts V2", the VM's id lowercased in
 * `alertTargetIDs`, `alertContext.conditionType` LogQueryCriteria; "Common alert schema": custom
 * properties in `data.customProperties`, `resolvedDateTime` only for metric alerts).
 */
import { beforeEach, describe, expect, it } from "vitest";
import { logSearchRuleArgs } from "../../../src/azure/log-alerts.js";
import type { FleetPlan } from "../../../src/plan/plan.js";
import { azureFeatureExecutor } from "../../../src/runtime/azure/actions/command.js";
import { memberIdOf, responderQueueName } from "../../../src/runtime/azure/contract.js";
import { createWorker } from "../../../src/runtime/azure/worker.js";
import { RESOURCE_GROUP, SUBSCRIPTION, vmResourceId } from "../../support/arm-double.js";
import { noAzurite } from "../../support/azurite.js";
import {
  type AzureWorld,
  alarmIdOf,
  DIGEST,
  drainQueue,
  FLEET,
  intakePoster,
  membersOf,
  putMembers,
  STACK,
  seedFleetPlan,
  seedWorld,
} from "./support.js";

const GROUP_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RESOURCE_GROUP}`;
const WORKSPACE = `${GROUP_ID}/providers/Microsoft.OperationalInsights/workspaces/personas-agent-metrics`;

type Rule = {
  ruleName: string;
  kind: string;
  tags: Record<string, string>;
  criteria: { allOf: { query: string }[] };
  actions: { customProperties: Record<string, string> };
} & Record<string, unknown>;

/** The seed's latency rule as the renderer makes it, in the double's group and subscription. */
function latencyRule(plan: FleetPlan): Rule {
  const persona = plan.personas[0]!;
  const alarm = persona.alarms.find((a) => a.id === alarmIdOf("latency"))!;
  return logSearchRuleArgs({ fleet: FLEET, stack: STACK }, persona, alarm, {
    resourceGroupName: RESOURCE_GROUP,
    location: "westeurope",
    workspaceId: WORKSPACE,
    identityId: `${GROUP_ID}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/log-alerts`,
    subscriptionId: SUBSCRIPTION,
    actionGroupIds: {
      feature: `${GROUP_ID}/providers/microsoft.insights/actionGroups/personas-${FLEET}_feature`,
    },
    tags: {},
  }) as unknown as Rule;
}

/** Resolves the rule's inputs (the query is an Output of the subscription) as `pulumi up` would send them. */
async function resolved(rule: Rule): Promise<Rule> {
  const condition = rule.criteria.allOf[0]! as unknown as { query: { apply: unknown } } & Record<
    string,
    unknown
  >;
  const query = await new Promise<string>((resolve) =>
    (condition.query as unknown as { apply(f: (q: string) => void): void }).apply(resolve),
  );
  return { ...rule, criteria: { allOf: [{ ...condition, query }] } } as Rule;
}

/** Creates the rule in the ARM double (Scheduled Query Rules - Create Or Update). */
async function deployRule(world: AzureWorld, rule: Rule): Promise<void> {
  const {
    resourceGroupName: _group,
    ruleName,
    location,
    tags,
    kind,
    identity: _identity,
    ...properties
  } = rule;
  const response = await world.arm.fetch(
    `https://management.azure.com${GROUP_ID}/providers/Microsoft.Insights/scheduledQueryRules/${ruleName}?api-version=2023-12-01`,
    {
      method: "PUT",
      headers: { authorization: "Bearer test" },
      body: JSON.stringify({ location, kind, tags, properties }),
    },
  );
  expect(response.status).toBe(200);
}

/** Azure Monitor's call for the rule's alert on one VM (Microsoft's Log Alerts V2 sample). */
function logAlert(
  rule: Rule,
  vm: string,
  options: { condition?: "Fired" | "Resolved"; firedAt?: string; service?: string } = {},
): string {
  const firedAt = options.firedAt ?? "2027-01-15T10:00:00.000Z";
  const target = memberIdOf(vmResourceId(vm));
  return JSON.stringify({
    schemaId: "azureMonitorCommonAlertSchema",
    data: {
      essentials: {
        alertId: `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.AlertsManagement/alerts/${vm}-${firedAt}`,
        alertRule: rule.ruleName,
        severity: "Sev3",
        signalType: "Log",
        monitorCondition: options.condition ?? "Fired",
        monitoringService: options.service ?? "Log Alerts V2",
        alertTargetIDs: [target],
        configurationItems: [target],
        originAlertId: `${vm}-origin`,
        firedDateTime: firedAt,
        description: "",
        essentialsVersion: "1.0",
        alertContextVersion: "1.0",
      },
      alertContext: {
        properties: null,
        conditionType: "LogQueryCriteria",
        condition: {
          windowSize: "PT1M",
          allOf: [
            {
              searchQuery: rule.criteria.allOf[0]!.query,
              metricMeasureColumn: "AggregatedValue",
              targetResourceTypes: "['Microsoft.OperationalInsights/workspaces']",
              operator: "GreaterThan",
              threshold: "100",
              timeAggregation: "Maximum",
              dimensions: [{ name: "VmResourceId", value: target }],
              metricValue: 240,
              failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 },
            },
          ],
        },
      },
      customProperties: rule.actions.customProperties,
    },
  });
}

describe.skipIf(noAzurite)(
  "Alerts of a fleet-wide log search rule on Azure (the agent's table, per-VM firing)",
  () => {
    let world: AzureWorld;
    let post: ReturnType<typeof intakePoster>;
    let rule: Rule;
    const feature = () =>
      drainQueue(
        world.queues,
        responderQueueName("feature"),
        createWorker("feature", azureFeatureExecutor, world.options),
      );

    beforeEach(async () => {
      const plan = seedFleetPlan({ alarms: "fleet-wide" });
      world = await seedWorld(plan);
      rule = await resolved(latencyRule(plan));
      await deployRule(world, rule);
      world.arm.actions.length = 0;
      post = intakePoster(world);
    });

    it("acts on exactly the VM the alert names", async () => {
      expect(await post("feature", logAlert(rule, "web-2"))).toEqual({
        status: 202,
        body: { outcome: "queued" },
      });

      const { results } = await feature();

      expect(results).toEqual([
        expect.objectContaining({ outcome: "acted", detail: "web-2: cdn-caching on" }),
      ]);
      expect(world.arm.vm("web-2").commands).toHaveLength(1);
      expect(world.arm.vm("web-1").commands).toEqual([]);
    });

    it("keeps idempotency per VM: a redelivery is a duplicate, another VM's alert acts", async () => {
      await post("feature", logAlert(rule, "web-1"));
      expect(await post("feature", logAlert(rule, "web-1"))).toEqual({
        status: 202,
        body: { outcome: "duplicate" },
      });
      await post("feature", logAlert(rule, "web-2"));

      const { results } = await feature();

      expect(results.map((r) => [(r as { outcome: string }).outcome, (r as { vmId: string }).vmId])).toEqual([
        ["acted", memberIdOf(vmResourceId("web-1"))],
        ["acted", memberIdOf(vmResourceId("web-2"))],
      ]);
    });

    it("queues nothing when the rule resolves for a VM (log alerts carry no resolvedDateTime)", async () => {
      expect(await post("feature", logAlert(rule, "web-1", { condition: "Resolved" }))).toEqual({
        status: 202,
        body: { outcome: "skipped", reason: "resolved" },
      });
    });

    it("refuses and logs the rule's alert on a VM of the group the membership record does not list", async () => {
      world.arm.addVm("stray", { tags: { "persona:fleet": FLEET, "persona:digest": DIGEST } });

      expect(await post("feature", logAlert(rule, "stray"))).toEqual({
        status: 403,
        body: { outcome: "rejected", reason: "not-member" },
      });
      expect((await feature()).results).toEqual([]);
    });

    it("covers a VM the next `pulumi up` adds to the group with no new or changed rule", async () => {
      world.arm.addVm("web-3", { size: "Standard_D8s_v5" });
      const grown = seedFleetPlan({ keys: ["web-1", "web-2", "web-3"], alarms: "fleet-wide" });
      await putMembers(world.options, membersOf(grown));
      expect(await resolved(latencyRule(grown))).toEqual(rule);

      await post("feature", logAlert(rule, "web-3"));
      const { results } = await feature();

      expect(results).toEqual([
        expect.objectContaining({ outcome: "acted", detail: "web-3: cdn-caching on" }),
      ]);
      expect(world.arm.actions.filter((a) => a.startsWith("putAlert"))).toEqual([]);
    });

    it("refuses at the worker a log search rule whose query reads another group's VMs", async () => {
      const query = rule.criteria.allOf[0]!.query.replace(
        `/resourcegroups/${RESOURCE_GROUP.toLowerCase()}/`,
        "/resourcegroups/elsewhere/",
      );
      await deployRule(world, { ...rule, criteria: { allOf: [{ ...rule.criteria.allOf[0]!, query }] } });
      await post("feature", logAlert(rule, "web-1"));

      const { results } = await feature();

      expect(results).toEqual([
        {
          outcome: "rejected",
          reason: "alert-rule",
          detail: `Log search alert rule ${rule.ruleName} does not select the virtual machines of resource group ${RESOURCE_GROUP} per VmResourceId with the tags persona:owner=fleet and persona:fleet=${FLEET}; nothing was done.`,
          vmId: memberIdOf(vmResourceId("web-1")),
        },
      ]);
      expect(world.arm.vm("web-1").commands).toEqual([]);
    });

    it("refuses at the worker an alert that says it is a log alert when the rule is no log search rule in ARM", async () => {
      const other = { ...rule, ruleName: `${rule.ruleName}` };
      await world.arm.fetch(
        `https://management.azure.com${GROUP_ID}/providers/Microsoft.Insights/scheduledQueryRules/${other.ruleName}?api-version=2023-12-01`,
        { method: "DELETE", headers: { authorization: "Bearer test" } },
      );
      await post("feature", logAlert(rule, "web-1"));

      const { results } = await feature();

      expect(results).toEqual([
        {
          outcome: "rejected",
          reason: "alert-rule",
          detail: `No log search alert rule ${rule.ruleName} exists in resource group ${RESOURCE_GROUP}; nothing was done.`,
          vmId: memberIdOf(vmResourceId("web-1")),
        },
      ]);
    });
  },
);
