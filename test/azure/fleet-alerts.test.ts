/**
 * AzurePersonaFleet's default topology, fleet-wide (issue 18): one multi-resource metric alert
 * rule per persona × alarm over the fleet's resource group where Azure allows it, per-VM alerts for the
 * rest, checked against the cloud contract. Planned through the components' own constructors with
 * Pulumi's registration recorded (test/support/fast-plan.ts): 1,000 Azure VMs under the mock engine
 * would cost minutes of the suite.
 */

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OfflineOutputs, type PlannedResource, planOffline } from "../../src/aws/offline.js";
import {
  agentLogPipelineViolations,
  azureContractViolations,
  logSearchRuleViolations,
  metricAlertViolations,
} from "../../src/azure/cloud-contract.js";
import { AzurePersonaFleet, setFunctionPackageCheck } from "../../src/azure/index.js";
import { BUILT_IN_ROLES } from "../../src/azure/render.js";
import { AGENT_LOG_INGESTION_ENV, AGENT_LOG_TABLE } from "../../src/plan/agent-log-table.js";
import { fleetAlarmKey, fleetAlarmName } from "../../src/plan/names.js";
import { WEBHOOK_PROPERTIES } from "../../src/runtime/azure/contract.js";
import { personaOf, SEED_DIGEST, seedPersona } from "../aws/support.js";
import { comparable, planFast } from "../support/fast-plan.js";
import { installMocks } from "../support/pulumi.js";

const SUBSCRIPTION = "00000000-0000-0000-0000-000000000001";
const NSG = `/subscriptions/${SUBSCRIPTION}/resourceGroups/network/providers/Microsoft.Network/networkSecurityGroups/edge`;
const ALERT = "azure-native:monitor:MetricAlert";
const LOG_RULE = "azure-native:monitor:ScheduledQueryRule";
/** The subscription the offline plan's client config answers. */
const PLAN_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000";
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
  options: {
    persona?: typeof seedPersona;
    alarmTopology?: "fleet-wide" | "per-instance";
    logAnalyticsWorkspaceId?: string;
  } = {},
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
      // Absent: the component's default (fleet-wide).
      ...(options.alarmTopology !== undefined ? { alarmTopology: options.alarmTopology } : {}),
      ...(options.logAnalyticsWorkspaceId
        ? { logAnalyticsWorkspaceId: options.logAnalyticsWorkspaceId }
        : {}),
    });
  };
}

/** The webhook properties a fleet-wide rule of the seed carries for one of its trigger alarms. */
function seedFleetProperties(alarmId: string): Record<string, string> {
  return {
    [WEBHOOK_PROPERTIES.schema]: "1",
    [WEBHOOK_PROPERTIES.fleet]: "web",
    [WEBHOOK_PROPERTIES.stack]: "plan",
    [WEBHOOK_PROPERTIES.persona]: "HighTraffic",
    [WEBHOOK_PROPERTIES.version]: "1.0.0",
    [WEBHOOK_PROPERTIES.digest]: SEED_DIGEST,
    [WEBHOOK_PROPERTIES.triggerId]: alarmId,
    [WEBHOOK_PROPERTIES.alarmId]: alarmId,
    [WEBHOOK_PROPERTIES.intent]: "activate",
    [WEBHOOK_PROPERTIES.member]: fleetAlarmKey(SEED_DIGEST),
    [WEBHOOK_PROPERTIES.owner]: "fleet",
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

/**
 * The fleet-level resources of the seed fleet with an NSG (docs/azure.md, "Resources and counts"), its
 * two fleet-wide rules and what the latency rule reads.
 */
const SEED_FLEET_LEVEL = {
  // 10, and the agent's right to write rows on the data collection rule and the rules' Reader on the workspace.
  "azure-native:authorization:RoleAssignment": 12,
  "azure-native:authorization:RoleDefinition": 2,
  // 3, and the identity that runs the log search rules' queries.
  "azure-native:managedidentity:UserAssignedIdentity": 4,
  "azure-native:monitor:ActionGroup": 2,
  // The CPU trigger's rule over the resource group.
  "azure-native:monitor:MetricAlert": 1,
  // The latency trigger's log search rule over the agent's table, and the table's pipeline.
  "azure-native:monitor:ScheduledQueryRule": 1,
  "azure-native:monitor:DataCollectionEndpoint": 1,
  "azure-native:monitor:DataCollectionRule": 1,
  "azure-native:operationalinsights:Table": 1,
  "azure-native:operationalinsights:Workspace": 1,
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

  it("plans 1,000 seed VMs as each VM's NIC and VM (no per-VM alert) plus a constant set, and differs from a fleet of 10 only in per-VM resources", async () => {
    const large = await planFast(fleetProgram(1000));
    const small = await planFast(fleetProgram(10));

    // Per VM: the NIC and the VM. The CPU trigger is one metric rule for every VM; the latency (the
    // personas agent's metric, which a multi-resource metric rule cannot watch) one log search rule.
    const expected = (n: number) =>
      countByType(
        Object.entries({
          ...SEED_FLEET_LEVEL,
          "azure-native:network:NetworkInterface": n,
          "azure-native:compute:VirtualMachine": n,
        }).flatMap(([type, count]) => Array.from({ length: count }, () => ({ type }) as PlannedResource)),
      );
    expect(countByType(large)).toEqual(expected(1000));
    expect(countByType(small)).toEqual(expected(10));
    expect(large.filter((r) => r.type === ALERT && isPerInstance(r))).toEqual([]);

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
    expect(members(large, 1000)).toHaveLength(2000);
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
          webHookProperties: seedFleetProperties("cpu-utilization-above"),
        },
      ],
      tags: { "persona:fleet": "web", "persona:owner": "fleet" },
    });
    expect(azureContractViolations(resources)).toEqual([]);
  });

  it("renders the latency rule as a log search rule over the agent's table, split per VM, calling the feature action group with the fleet-wide webhook properties", async () => {
    const resources = await planFast(fleetProgram(3));
    const named = (type: string, name: string) => resources.find((r) => r.type === type && r.name === name)!;
    const group = named("azure-native:resources:ResourceGroup", "web-group");
    const feature = named("azure-native:monitor:ActionGroup", "web-actions-feature");
    const workspace = named("azure-native:operationalinsights:Workspace", "web-agent-logs");
    const identity = named("azure-native:managedidentity:UserAssignedIdentity", "web-log-alerts-identity");
    const rule = named(LOG_RULE, `web-${fleetAlarmKey(SEED_DIGEST)}-network-latency-above`);
    expect(rule.inputs).toEqual({
      resourceGroupName: group.outputs!.name,
      location: "westeurope",
      ruleName: fleetAlarmName({ fleet: "web", stack: "plan" }, SEED_DIGEST, "network-latency-above"),
      kind: "LogAlert",
      description: `HighTraffic 1.0.0: network-latency > 100ms [personas:v1 digest=${SEED_DIGEST} alarm=network-latency-above]`,
      severity: 3,
      enabled: true,
      scopes: [workspace.outputs!.id],
      evaluationFrequency: "PT1M",
      windowSize: "PT1M",
      criteria: {
        allOf: [
          {
            query: [
              "PersonasAgentMetrics_CL",
              '| where Namespace == "Personas/Agent" and Metric == "NetworkLatency"',
              "| extend VmResourceId = tolower(VmResourceId)",
              `| where VmResourceId startswith "/subscriptions/${PLAN_SUBSCRIPTION}/resourcegroups/${String(group.outputs!.name).toLowerCase()}/providers/microsoft.compute/virtualmachines/"`,
              "| where Count > 0",
              "| summarize AggregatedValue = sum(Sum) / todouble(sum(Count)) by VmResourceId",
            ].join("\n"),
            metricMeasureColumn: "AggregatedValue",
            resourceIdColumn: "VmResourceId",
            timeAggregation: "Maximum",
            operator: "GreaterThan",
            threshold: 100,
            dimensions: [],
            failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 },
          },
        ],
      },
      autoMitigate: true,
      identity: { type: "UserAssigned", userAssignedIdentities: [identity.outputs!.id] },
      actions: {
        actionGroups: [feature.outputs!.id],
        customProperties: seedFleetProperties("network-latency-above"),
      },
      tags: { "persona:fleet": "web", "persona:owner": "fleet" },
    });
    expect(azureContractViolations(resources)).toEqual([]);
  });

  it("lets the VMs' identity write rows through the data collection rule only, and tells the agent its endpoint, rule and stream in the custom data", async () => {
    const resources = await planFast(fleetProgram(2));
    const named = (type: string, name: string) => resources.find((r) => r.type === type && r.name === name)!;
    const dcr = named("azure-native:monitor:DataCollectionRule", "web-agent-dcr");
    const endpoint = named("azure-native:monitor:DataCollectionEndpoint", "web-agent-endpoint");
    const vmIdentity = named("azure-native:managedidentity:UserAssignedIdentity", "web-vm-identity");
    const writers = resources.filter(
      (r) =>
        r.type === "azure-native:authorization:RoleAssignment" &&
        r.inputs.principalId ===
          (OfflineOutputs.answeredOf(vmIdentity.type, vmIdentity.name) as { principalId: string })
            .principalId &&
        String(r.inputs.roleDefinitionId).endsWith(BUILT_IN_ROLES.monitoringMetricsPublisher),
    );
    // The group-wide one is for custom metrics (per-VM alerts and the metric fallback); this one is the DCR's.
    expect(writers.map((r) => r.inputs.scope)).toContain(dcr.outputs!.id);
    expect(dcr.inputs).toMatchObject({
      dataCollectionEndpointId: endpoint.outputs!.id,
      streamDeclarations: {
        [AGENT_LOG_TABLE.stream]: {
          columns: AGENT_LOG_TABLE.columns.map(({ name, type }) => ({ name, type })),
        },
      },
      dataFlows: [
        {
          streams: [AGENT_LOG_TABLE.stream],
          destinations: ["fleet-workspace"],
          transformKql: "source",
          outputStream: AGENT_LOG_TABLE.stream,
        },
      ],
    });
    const vm = named("azure-native:compute:VirtualMachine", "web-web-1");
    const customData = Buffer.from(
      String((vm.inputs.osProfile as { customData: string }).customData),
      "base64",
    ).toString("utf8");
    const answered = OfflineOutputs.answeredOf(endpoint.type, endpoint.name) as {
      logsIngestion: { endpoint: string };
    };
    const immutable = OfflineOutputs.answeredOf(dcr.type, dcr.name) as { immutableId: string };
    expect(customData).toContain(
      `Environment=${AGENT_LOG_INGESTION_ENV.endpoint}=${answered.logsIngestion.endpoint}\n`,
    );
    expect(customData).toContain(`Environment=${AGENT_LOG_INGESTION_ENV.ruleId}=${immutable.immutableId}\n`);
    expect(customData).toContain(
      `Environment=${AGENT_LOG_INGESTION_ENV.stream}=Custom-PersonasAgentMetrics_CL\n`,
    );
  });

  it("puts the table and the rules in the user's workspace when logAnalyticsWorkspaceId is given, creating none", async () => {
    const workspaceId = `/subscriptions/${SUBSCRIPTION}/resourceGroups/monitoring/providers/Microsoft.OperationalInsights/workspaces/central`;
    const resources = await planFast(fleetProgram(2, { logAnalyticsWorkspaceId: workspaceId }));
    expect(resources.filter((r) => r.type === "azure-native:operationalinsights:Workspace")).toEqual([]);
    expect(resources.find((r) => r.type === "azure-native:operationalinsights:Table")!.inputs).toMatchObject({
      resourceGroupName: "monitoring",
      workspaceName: "central",
      tableName: "PersonasAgentMetrics_CL",
    });
    expect(resources.find((r) => r.type === LOG_RULE)!.inputs.scopes).toEqual([workspaceId]);
  });

  it("refuses a logAnalyticsWorkspaceId that is not a workspace's resource id", async () => {
    await expect(
      planFast(
        fleetProgram(2, {
          logAnalyticsWorkspaceId:
            "/subscriptions/x/resourceGroups/g/providers/Microsoft.Storage/storageAccounts/s",
        }),
      ),
    ).rejects.toThrow(
      "AzurePersonaFleet 'web': logAnalyticsWorkspaceId '/subscriptions/x/resourceGroups/g/providers/Microsoft.Storage/storageAccounts/s' is not a Log Analytics workspace's resource id. Fix: pass /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.OperationalInsights/workspaces/<name>, or leave it out to create one in the fleet's group.",
    );
  });

  it("covers a VM added to the fleet with no new or changed alert rule: the metric and log search rules of 3 and 4 members are the same", async () => {
    const rules = (resources: readonly PlannedResource[]) =>
      resources
        .filter((r) => (r.type === ALERT || r.type === LOG_RULE) && !isPerInstance(r))
        .map(({ name, inputs }) => ({ name, inputs }));
    const three = rules(await planFast(fleetProgram(3)));
    expect(three).toHaveLength(2);
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

describe("The cloud contract of log search rules and the agent's table", () => {
  const workspace = `/subscriptions/${SUBSCRIPTION}/resourceGroups/personas-web_prod/providers/Microsoft.OperationalInsights/workspaces/personas-agent-metrics`;
  const condition = {
    query: "PersonasAgentMetrics_CL | summarize AggregatedValue = max(Maximum) by VmResourceId",
    metricMeasureColumn: "AggregatedValue",
    resourceIdColumn: "VmResourceId",
    timeAggregation: "Maximum",
    operator: "GreaterThan",
    threshold: 100,
    dimensions: [],
  };
  const rule = (inputs: Record<string, unknown>) => ({
    type: LOG_RULE,
    name: "rule",
    inputs: {
      ruleName: "personas-web_prod_fleet-0123456789abcdef-network-latency-above",
      location: "westeurope",
      kind: "LogAlert",
      severity: 3,
      scopes: [workspace],
      windowSize: "PT5M",
      evaluationFrequency: "PT1M",
      criteria: { allOf: [condition] },
      tags: { "persona:owner": "fleet" },
      ...inputs,
    },
  });
  const problems = (inputs: Record<string, unknown>) =>
    logSearchRuleViolations(rule(inputs)).map((v) => [v.input, v.problem]);

  it("accepts the fleet's rule shape", () => {
    expect(problems({})).toEqual([]);
  });

  it("refuses a window, frequency or severity a log search rule does not allow", () => {
    expect(problems({ windowSize: "PT10M", evaluationFrequency: "PT6H", severity: 5 })).toEqual([
      [
        "windowSize",
        "a log search rule's window is one of PT1M, PT5M, PT15M, PT30M, PT1H, PT6H, PT12H, PT24H",
      ],
      ["evaluationFrequency", "a log search rule's frequency is one of PT1M, PT5M, PT15M, PT30M, PT1H"],
      ["severity", "severity is an integer from 0 to 4"],
    ]);
  });

  it("refuses a rule that would alert on the workspace instead of per VM, or splits by more than six dimensions", () => {
    const { resourceIdColumn: _, ...withoutColumn } = condition;
    expect(problems({ criteria: { allOf: [withoutColumn] } })).toEqual([
      [
        "criteria.allOf.resourceIdColumn",
        "without the Resource ID column VmResourceId the rule alerts on the workspace, not per VM",
      ],
    ]);
    expect(
      problems({
        criteria: { allOf: [{ ...condition, dimensions: Array.from({ length: 7 }, () => ({})) }] },
      }),
    ).toEqual([["criteria.allOf.dimensions", "a log search rule splits by at most 6 dimensions"]]);
  });

  it("refuses a description over 4,096 characters and properties over 64 KB (the query's bound)", () => {
    expect(problems({ description: "x".repeat(4097) })).toEqual([
      ["description", "Azure allows 4096 characters in a log search rule's description"],
    ]);
    expect(problems({ criteria: { allOf: [{ ...condition, query: "x".repeat(65_536) }] } })).toEqual([
      ["criteria.allOf.query", "all data in a log search rule's properties is at most 65536 bytes"],
    ]);
  });

  it("refuses names Azure refuses: a rule name with '#', a workspace name ending in a hyphen, a table not ending in _CL", () => {
    const violations = azureContractViolations([
      rule({ ruleName: "personas#rule" }),
      {
        type: "azure-native:operationalinsights:Workspace",
        name: "ws",
        inputs: { workspaceName: "agent-", tags: {} },
      },
      {
        type: "azure-native:operationalinsights:Table",
        name: "table",
        inputs: {
          tableName: "PersonasAgentMetrics",
          schema: { columns: [{ name: "TimeGenerated", type: "dateTime" }] },
        },
      },
    ]).map((v) => [v.type, v.input, v.problem]);
    expect(violations).toEqual([
      [
        LOG_RULE,
        "ruleName",
        "has characters Azure refuses: no * < > % { } & : \\ ? / # or control characters; can't end with a space or period",
      ],
      [
        "azure-native:operationalinsights:Workspace",
        "workspaceName",
        "has characters Azure refuses: letters, digits and hyphens, starting and ending with a letter or digit",
      ],
      [
        "azure-native:operationalinsights:Table",
        "tableName",
        "has characters Azure refuses: letters, digits, hyphens and underscores, ending in _CL (a custom table)",
      ],
    ]);
  });

  it("refuses a table without TimeGenerated and a data collection rule whose stream is not Custom-<table> or whose flow writes nowhere declared", () => {
    expect(
      agentLogPipelineViolations({
        type: "azure-native:operationalinsights:Table",
        name: "table",
        inputs: {
          tableName: "X_CL",
          schema: { columns: [{ name: "When", type: "dateTime" }] },
          retentionInDays: 2,
        },
      }).map((v) => [v.input, v.problem]),
    ).toEqual([
      ["schema.columns", "a custom table needs a TimeGenerated dateTime column"],
      ["retentionInDays", "a table keeps its rows 4 to 730 days"],
    ]);
    expect(
      agentLogPipelineViolations({
        type: "azure-native:monitor:DataCollectionRule",
        name: "dcr",
        inputs: {
          streamDeclarations: { PersonasAgentMetrics_CL: { columns: [] } },
          destinations: { logAnalytics: [{ name: "fleet-workspace", workspaceResourceId: workspace }] },
          dataFlows: [{ streams: ["PersonasAgentMetrics_CL"], destinations: ["elsewhere"] }],
        },
      }).map((v) => [v.input, v.value, v.problem]),
    ).toEqual([
      [
        "streamDeclarations",
        "PersonasAgentMetrics_CL",
        "a custom stream is named Custom-<table>, the table ending in _CL",
      ],
      ["dataFlows.destinations", "elsewhere", "a data flow writes to a declared destination"],
    ]);
  });
});
