/**
 * AzurePersonaFleet with `alarmTopology: "fleet-wide"` (issue 18): one multi-resource metric alert
 * rule per persona × alarm over the fleet's resource group where Azure allows it, per-VM alerts for the
 * rest, checked against the cloud contract. Planned through the components' own constructors with
 * Pulumi's registration recorded (test/support/fast-plan.ts): 1,000 Azure VMs under the mock engine
 * would cost minutes of the suite.
 */

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PlannedResource, planOffline } from "../../src/aws/offline.js";
import { azureContractViolations, metricAlertViolations } from "../../src/azure/cloud-contract.js";
import { AzurePersonaFleet, setFunctionPackageCheck } from "../../src/azure/index.js";
import { fleetAlarmKey, fleetAlarmName } from "../../src/plan/names.js";
import { WEBHOOK_PROPERTIES } from "../../src/runtime/azure/contract.js";
import { personaOf, SEED_DIGEST, seedPersona } from "../aws/support.js";
import { comparable, planFast } from "../support/fast-plan.js";
import { installMocks } from "../support/pulumi.js";

const SUBSCRIPTION = "00000000-0000-0000-0000-000000000001";
const NSG = `/subscriptions/${SUBSCRIPTION}/resourceGroups/network/providers/Microsoft.Network/networkSecurityGroups/edge`;
const ALERT = "azure-native:monitor:MetricAlert";
/** A persona alarming only on a VM platform metric: all of its alarms can be fleet-wide on Azure. */
const BURST = personaOf(`Name: Burst
Version: "1.0.0"
BaseConfiguration:
    CPU: 2 cores
    Memory: 8 GB
TelemetryTriggers:
    - Condition: CPU Load > 80% for 5 minutes
      Action: Scale up to 4 cores
      Cooldown: 15 minutes
`);

function fleetProgram(
  count: number,
  options: { persona?: typeof seedPersona; alarmTopology?: "fleet-wide" | "per-instance" } = {},
) {
  return () => {
    new AzurePersonaFleet("web", {
      location: "westeurope",
      image: { publisher: "Canonical", offer: "ubuntu-24_04-lts", sku: "server" },
      subnetId: `/subscriptions/${SUBSCRIPTION}/resourceGroups/network/providers/Microsoft.Network/virtualNetworks/vnet/subnets/web`,
      admin: { username: "ops", sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHkey ops" },
      defaultPersona: options.persona ?? seedPersona,
      instances: Array.from({ length: count }, (_, i) => ({
        name: `web-${i + 1}`,
        privateIpAddress: `10.0.${Math.floor(i / 250)}.${(i % 250) + 4}`,
      })),
      firewall: { networkSecurityGroupId: NSG },
      alarmTopology: options.alarmTopology ?? "fleet-wide",
    });
  };
}

function countByType(resources: readonly PlannedResource[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of resources) counts[r.type] = (counts[r.type] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

/** Member `web-<i>`'s own resources: its NIC, its VM and its per-VM alerts (`web-web-<i>`, `web-web-<i>-…`). */
function isPerInstance(resource: PlannedResource): boolean {
  return /^web-web-\d+(?:-|$)/.test(resource.name);
}

/** The fleet-level resources of the seed fleet with an NSG (docs/azure.md, "Resources and counts"), and the one fleet-wide rule. */
const SEED_FLEET_LEVEL = {
  "azure-native:authorization:RoleAssignment": 10,
  "azure-native:authorization:RoleDefinition": 2,
  "azure-native:managedidentity:UserAssignedIdentity": 3,
  "azure-native:monitor:ActionGroup": 2,
  // The CPU trigger's rule over the resource group.
  "azure-native:monitor:MetricAlert": 1,
  "azure-native:resources:ResourceGroup": 1,
  "azure-native:storage:Blob": 7,
  "azure-native:storage:BlobContainer": 3,
  "azure-native:storage:Queue": 3,
  "azure-native:storage:StorageAccount": 1,
  "azure-native:storage:Table": 1,
  "azure-native:web:AppServicePlan": 2,
  "azure-native:web:WebApp": 2,
  "personas:azure:AzurePersonaFleet": 1,
};

let previousCheck: boolean;
beforeAll(() => {
  previousCheck = setFunctionPackageCheck(false);
});
afterAll(async () => {
  setFunctionPackageCheck(previousCheck);
  // planFast and planOffline install their own mocks; later files expect the recorder.
  await installMocks();
});

describe("AzurePersonaFleet with fleet-wide alarms", () => {
  it("registers the same types, names and inputs through planFast as through the mock engine", async () => {
    const program = fleetProgram(3);
    expect(comparable(await planFast(program))).toEqual(comparable(await planOffline(program)));
  });

  it("plans 1,000 seed VMs as each VM's NIC, VM and latency alert plus a constant set, and differs from a fleet of 10 only in per-VM resources", async () => {
    const large = await planFast(fleetProgram(1000));
    const small = await planFast(fleetProgram(10));

    // Per VM: the NIC, the VM and the latency alert. The CPU trigger is one rule for every VM; the
    // latency is the personas agent's custom metric, which a multi-resource rule cannot watch.
    const expected = (n: number) =>
      countByType(
        Object.entries({
          ...SEED_FLEET_LEVEL,
          "azure-native:network:NetworkInterface": n,
          "azure-native:compute:VirtualMachine": n,
          "azure-native:monitor:MetricAlert": SEED_FLEET_LEVEL["azure-native:monitor:MetricAlert"] + n,
        }).flatMap(([type, count]) => Array.from({ length: count }, () => ({ type }) as PlannedResource)),
      );
    expect(countByType(large)).toEqual(expected(1000));
    expect(countByType(small)).toEqual(expected(10));
    const perVmAlerts = large.filter((r) => r.type === ALERT && isPerInstance(r));
    expect(
      new Set(
        perVmAlerts.map(
          (r) => (r.inputs.criteria as { allOf: { metricName: string }[] }).allOf[0]!.metricName,
        ),
      ),
    ).toEqual(new Set(["NetworkLatency"]));

    // Everything that is not one member's own is the same resource with the same inputs.
    const fleetLevel = (resources: readonly PlannedResource[]) =>
      resources
        .filter((r) => !isPerInstance(r))
        .map(({ type, name, inputs }) => ({ type, name, inputs }))
        .sort((a, b) => a.name.localeCompare(b.name));
    expect(fleetLevel(large)).toEqual(fleetLevel(small));
    // And the 10 members both fleets share are the same resources with the same inputs.
    const members = (resources: readonly PlannedResource[], upTo: number) =>
      resources
        .filter((r) => isPerInstance(r) && Number(/^web-web-(\d+)/.exec(r.name)![1]) <= upTo)
        .map(({ type, name, inputs }) => ({ type, name, inputs }))
        .sort((a, b) => a.name.localeCompare(b.name));
    expect(members(large, 10)).toEqual(members(small, 10));
    expect(members(large, 1000)).toHaveLength(3000);
    expect(azureContractViolations(large)).toEqual([]);
  }, 300_000);

  it("plans a fleet of a platform-metric persona as NICs and VMs only: no per-VM alert", async () => {
    const resources = await planFast(fleetProgram(10, { persona: BURST }));
    expect(
      resources
        .filter(isPerInstance)
        .map((r) => r.type)
        .sort(),
    ).toEqual([
      ...Array.from({ length: 10 }, () => "azure-native:compute:VirtualMachine"),
      ...Array.from({ length: 10 }, () => "azure-native:network:NetworkInterface"),
    ]);
    expect(resources.filter((r) => r.type === ALERT).map((r) => r.name)).toEqual([
      `web-${fleetAlarmKey(BURST.ref!.digest)}-cpu-utilization-above`,
    ]);
  });

  it("renders the CPU rule over the fleet's resource group in its region, calling the scale action group with the fleet-wide webhook properties", async () => {
    const resources = await planFast(fleetProgram(3));
    const named = (type: string, name: string) => resources.find((r) => r.type === type && r.name === name)!;
    const group = named("azure-native:resources:ResourceGroup", "web-group");
    const scale = named("azure-native:monitor:ActionGroup", "web-actions-scale");
    const rule = named(ALERT, `web-${fleetAlarmKey(SEED_DIGEST)}-cpu-utilization-above`);
    expect(rule.inputs).toEqual({
      resourceGroupName: group.outputs!.name,
      location: "global",
      ruleName: fleetAlarmName({ fleet: "web", stack: "plan" }, SEED_DIGEST, "cpu-utilization-above"),
      description: `HighTraffic 1.0.0: cpu-utilization > 80% for 5 minutes [personas:v1 digest=${SEED_DIGEST} alarm=cpu-utilization-above]`,
      severity: 3,
      enabled: true,
      scopes: [group.outputs!.id],
      targetResourceType: "Microsoft.Compute/virtualMachines",
      targetResourceRegion: "westeurope",
      windowSize: "PT5M",
      evaluationFrequency: "PT1M",
      autoMitigate: true,
      criteria: {
        odataType: "Microsoft.Azure.Monitor.MultipleResourceMultipleMetricCriteria",
        allOf: [
          {
            criterionType: "StaticThresholdCriterion",
            name: "cpu-utilization-above",
            metricNamespace: "Microsoft.Compute/virtualMachines",
            metricName: "Percentage CPU",
            operator: "GreaterThan",
            threshold: 80,
            timeAggregation: "Minimum",
          },
        ],
      },
      actions: [
        {
          actionGroupId: scale.outputs!.id,
          webHookProperties: {
            [WEBHOOK_PROPERTIES.schema]: "1",
            [WEBHOOK_PROPERTIES.fleet]: "web",
            [WEBHOOK_PROPERTIES.stack]: "plan",
            [WEBHOOK_PROPERTIES.persona]: "HighTraffic",
            [WEBHOOK_PROPERTIES.version]: "1.0.0",
            [WEBHOOK_PROPERTIES.digest]: SEED_DIGEST,
            [WEBHOOK_PROPERTIES.triggerId]: "cpu-utilization-above",
            [WEBHOOK_PROPERTIES.alarmId]: "cpu-utilization-above",
            [WEBHOOK_PROPERTIES.intent]: "activate",
            [WEBHOOK_PROPERTIES.member]: fleetAlarmKey(SEED_DIGEST),
            [WEBHOOK_PROPERTIES.owner]: "fleet",
          },
        },
      ],
      tags: { "persona:fleet": "web", "persona:owner": "fleet" },
    });
    expect(azureContractViolations(resources)).toEqual([]);
  });

  it("covers a VM added to the fleet with no new or changed alert rule: the rules of 3 and 4 members are the same", async () => {
    const rules = (resources: readonly PlannedResource[]) =>
      resources
        .filter((r) => r.type === ALERT && !isPerInstance(r))
        .map(({ name, inputs }) => ({ name, inputs }));
    const three = rules(await planFast(fleetProgram(3)));
    expect(three).toHaveLength(1);
    expect(rules(await planFast(fleetProgram(4)))).toEqual(three);
  });

  it("keeps one alert per VM × alarm when the fleet asks for per-instance alarms", async () => {
    const resources = await planFast(fleetProgram(3, { alarmTopology: "per-instance" }));
    expect(
      resources
        .filter((r) => r.type === ALERT)
        .map((r) => r.name)
        .sort(),
    ).toEqual(
      [1, 2, 3].flatMap((i) => [`web-web-${i}-cpu-utilization-above`, `web-web-${i}-network-latency-above`]),
    );
  });
});

describe("The cloud contract of metric alert rules", () => {
  const vm = `/subscriptions/${SUBSCRIPTION}/resourceGroups/personas-web_prod/providers/Microsoft.Compute/virtualMachines/web-1`;
  const group = `/subscriptions/${SUBSCRIPTION}/resourceGroups/personas-web_prod`;
  const criterion = {
    criterionType: "StaticThresholdCriterion",
    name: "cpu",
    metricNamespace: "Microsoft.Compute/virtualMachines",
    metricName: "Percentage CPU",
    operator: "GreaterThan",
    threshold: 80,
    timeAggregation: "Minimum",
  };
  const rule = (inputs: Record<string, unknown>) => ({
    type: ALERT,
    name: "rule",
    inputs: {
      ruleName: "personas-web_prod_fleet-0123456789abcdef-cpu",
      location: "global",
      scopes: [group],
      targetResourceType: "Microsoft.Compute/virtualMachines",
      targetResourceRegion: "westeurope",
      criteria: {
        odataType: "Microsoft.Azure.Monitor.MultipleResourceMultipleMetricCriteria",
        allOf: [criterion],
      },
      tags: { "persona:owner": "fleet" },
      ...inputs,
    },
  });
  const problems = (inputs: Record<string, unknown>) =>
    metricAlertViolations(rule(inputs)).map((v) => [v.input, v.problem]);

  it("accepts a rule over a resource group's VMs and a single-resource rule on one VM", () => {
    expect(problems({})).toEqual([]);
    expect(
      problems({
        scopes: [vm],
        targetResourceType: undefined,
        targetResourceRegion: undefined,
        criteria: {
          odataType: "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",
          allOf: [criterion],
        },
      }),
    ).toEqual([]);
  });

  it("refuses a group-scoped rule with single-resource criteria, or without its target type and region", () => {
    expect(
      problems({
        targetResourceRegion: undefined,
        criteria: {
          odataType: "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",
          allOf: [criterion],
        },
      }),
    ).toEqual([
      [
        "criteria.odataType",
        "a rule whose scope is a subscription, a resource group or several resources needs Microsoft.Azure.Monitor.MultipleResourceMultipleMetricCriteria",
      ],
      [
        "targetResourceRegion",
        "is mandatory for Microsoft.Azure.Monitor.MultipleResourceMultipleMetricCriteria (a scope with a subscription, a resource group or more than one resource)",
      ],
    ]);
  });

  it("refuses what a multi-resource rule cannot watch: two conditions, a custom metric, a VM network metric, an unsupported type", () => {
    expect(
      problems({
        criteria: {
          odataType: "Microsoft.Azure.Monitor.MultipleResourceMultipleMetricCriteria",
          allOf: [criterion, criterion],
        },
      }),
    ).toEqual([["criteria.allOf", "a rule that monitors several resources has a single condition"]]);
    expect(
      problems({
        criteria: {
          odataType: "Microsoft.Azure.Monitor.MultipleResourceMultipleMetricCriteria",
          allOf: [{ ...criterion, metricNamespace: "Personas/Agent", metricName: "NetworkLatency" }],
        },
      }),
    ).toEqual([
      [
        "criteria.allOf.metricNamespace",
        "a multi-resource rule watches platform metrics of its target resource type only (no guest or custom metrics)",
      ],
    ]);
    expect(
      problems({
        criteria: {
          odataType: "Microsoft.Azure.Monitor.MultipleResourceMultipleMetricCriteria",
          allOf: [{ ...criterion, metricName: "Network In Total" }],
        },
      }),
    ).toEqual([
      [
        "criteria.allOf.metricName",
        "Azure Monitor does not support multi-resource rules on VM network metrics",
      ],
    ]);
    expect(
      problems({
        targetResourceType: "Microsoft.Web/sites",
        criteria: {
          odataType: "Microsoft.Azure.Monitor.MultipleResourceMultipleMetricCriteria",
          allOf: [{ ...criterion, metricNamespace: "Microsoft.Web/sites" }],
        },
      }),
    ).toEqual([
      ["targetResourceType", "Azure Monitor does not support multi-resource rules on this resource type"],
    ]);
  });

  it("refuses a description over Azure's 2,048 characters", () => {
    expect(problems({ description: "x".repeat(2049) })).toEqual([
      ["description", "Azure allows 2048 characters in a metric alert rule's description"],
    ]);
  });
});
