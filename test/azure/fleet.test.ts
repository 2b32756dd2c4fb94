import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { agentBlobName, readAzureAgentBundle } from "../../src/azure/agent-artifact.js";
import {
  AzureMissingTargetError,
  AzurePersonaFleet,
  assertAzureCloudContract,
  RUNTIME_OWNED,
  setFunctionPackageCheck,
} from "../../src/azure/index.js";
import { functionAppName, storageAccountName } from "../../src/azure/names.js";
import { alarmName } from "../../src/plan/names.js";
import { WEBHOOK_PROPERTIES } from "../../src/runtime/azure/contract.js";
import { optionRecorder, SEED_DIGEST, seedPersona } from "../aws/support.js";
import {
  countByType,
  outputValue,
  recorder,
  resourceNamed,
  resourcesOfType,
  settled,
} from "../support/pulumi.js";

const SUBSCRIPTION = "00000000-0000-0000-0000-000000000001";
const NSG_GROUP = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/network";
const NSG = `${NSG_GROUP}/providers/Microsoft.Network/networkSecurityGroups/edge`;

function seedFleet(
  count: number,
  opts: Record<string, unknown> = {},
  functions: { packageDirectory?: string } = {},
  alarmTopology?: "fleet-wide" | "per-instance",
) {
  return new AzurePersonaFleet(
    "web",
    {
      location: "westeurope",
      image: { publisher: "Canonical", offer: "ubuntu-24_04-lts", sku: "server" },
      subnetId:
        "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/network/providers/Microsoft.Network/virtualNetworks/vnet/subnets/web",
      admin: { username: "ops", sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHkey ops" },
      defaultPersona: seedPersona,
      instances: Array.from({ length: count }, (_, i) => ({
        name: `web-${i + 1}`,
        privateIpAddress: `10.0.${Math.floor(i / 250)}.${(i % 250) + 4}`,
      })),
      firewall: { networkSecurityGroupId: NSG },
      functions,
      ...(alarmTopology !== undefined ? { alarmTopology } : {}),
    },
    opts,
  );
}

/** The fleet-level resources docs/azure.md lists for the seed fleet with an NSG ("Resources and counts"). */
const FLEET_LEVEL = {
  // 4 per function app, the VMs' metrics publisher and agent reader.
  "azure-native:authorization:RoleAssignment": 10,
  "azure-native:authorization:RoleDefinition": 2,
  "azure-native:managedidentity:UserAssignedIdentity": 3,
  "azure-native:monitor:ActionGroup": 2,
  "azure-native:resources:ResourceGroup": 1,
  // The fleet store: one persona entry, one feed entry, the whole manifest, the membership record;
  // the two function app packages and the personas agent (the seed measures latency).
  "azure-native:storage:Blob": 7,
  "azure-native:storage:BlobContainer": 3,
  "azure-native:storage:Queue": 3,
  "azure-native:storage:StorageAccount": 1,
  "azure-native:storage:Table": 1,
  "azure-native:web:AppServicePlan": 2,
  "azure-native:web:WebApp": 2,
  "personas:azure:AzurePersonaFleet": 1,
};
/**
 * Per VM under the default topology: the NIC and the VM. The CPU alarm is one multi-resource metric
 * rule for the fleet, the latency alarm (the personas agent's metric) one log search rule.
 */
const PER_INSTANCE = {
  "azure-native:compute:VirtualMachine": 1,
  "azure-native:network:NetworkInterface": 1,
};
/** What the default topology adds once per fleet for the seed (src/azure/log-alerts.ts for the log search path). */
const FLEET_RULES = {
  "azure-native:monitor:MetricAlert": 1,
  "azure-native:monitor:ScheduledQueryRule": 1,
  // The agent's rows: workspace, custom table, data collection endpoint and rule.
  "azure-native:operationalinsights:Workspace": 1,
  "azure-native:operationalinsights:Table": 1,
  "azure-native:monitor:DataCollectionEndpoint": 1,
  "azure-native:monitor:DataCollectionRule": 1,
  // The VMs may write rows on the rule; the rules' identity may read the workspace.
  "azure-native:authorization:RoleAssignment": 2,
  "azure-native:managedidentity:UserAssignedIdentity": 1,
};

function expected(count: number): Record<string, number> {
  const all: Record<string, number> = { ...FLEET_LEVEL };
  for (const [type, n] of Object.entries(PER_INSTANCE)) all[type] = n * count;
  for (const [type, n] of Object.entries(FLEET_RULES)) all[type] = (all[type] ?? 0) + n;
  return Object.fromEntries(Object.entries(all).sort(([a], [b]) => a.localeCompare(b)));
}

let previousCheck: boolean;
beforeAll(() => {
  previousCheck = setFunctionPackageCheck(false);
});
afterAll(() => {
  setFunctionPackageCheck(previousCheck);
});
beforeEach(() => recorder.reset());

describe("AzurePersonaFleet with the seed persona", () => {
  it("registers exactly the resources docs/azure.md lists for a fleet of two", async () => {
    seedFleet(2);
    await settled();
    expect(countByType()).toEqual(expected(2));
  });

  it("keeps fleet-level resources and rules constant from 1 to 4 to 16 instances: 2 per VM, no per-VM alert", async () => {
    for (const count of [1, 4, 16]) {
      recorder.reset();
      seedFleet(count);
      await settled();
      expect(countByType()).toEqual(expected(count));
    }
  });

  it("renders the seed's CPU trigger as the metric alert the issue names, calling the scale action group (per-instance topology)", async () => {
    const fleet = seedFleet(2, {}, {}, "per-instance");
    await settled();
    const cpu = fleet.plan.personas[0]!.alarms.find((a) => a.condition.metric === "cpu-utilization")!;
    const alert = resourceNamed("azure-native:monitor:MetricAlert", `web-web-1-${cpu.id}`);
    const scale = resourceNamed("azure-native:monitor:ActionGroup", "web-actions-scale");
    expect(alert.inputs).toMatchObject({
      ruleName: alarmName({ fleet: "web", stack: "stack" }, "web-1", cpu.id),
      location: "global",
      severity: 3,
      enabled: true,
      windowSize: "PT5M",
      evaluationFrequency: "PT1M",
      autoMitigate: true,
      scopes: [resourceNamed("azure-native:compute:VirtualMachine", "web-web-1").id],
      targetResourceType: "Microsoft.Compute/virtualMachines",
      criteria: {
        odataType: "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",
        allOf: [
          {
            criterionType: "StaticThresholdCriterion",
            name: cpu.id,
            metricNamespace: "Microsoft.Compute/virtualMachines",
            metricName: "Percentage CPU",
            operator: "GreaterThan",
            threshold: 80,
            timeAggregation: "Minimum",
          },
        ],
      },
    });
    const actions = alert.inputs.actions as {
      actionGroupId: string;
      webHookProperties: Record<string, string>;
    }[];
    expect(actions.map((a) => a.actionGroupId)).toEqual([scale.id]);
    expect(actions[0]!.webHookProperties).toEqual({
      [WEBHOOK_PROPERTIES.schema]: "1",
      [WEBHOOK_PROPERTIES.fleet]: "web",
      [WEBHOOK_PROPERTIES.stack]: "stack",
      [WEBHOOK_PROPERTIES.persona]: "HighTraffic",
      [WEBHOOK_PROPERTIES.version]: "1.0.0",
      [WEBHOOK_PROPERTIES.digest]: SEED_DIGEST,
      [WEBHOOK_PROPERTIES.triggerId]: cpu.triggerId,
      [WEBHOOK_PROPERTIES.alarmId]: cpu.id,
      [WEBHOOK_PROPERTIES.intent]: "activate",
      [WEBHOOK_PROPERTIES.member]: "web-1",
      [WEBHOOK_PROPERTIES.owner]: "stack",
    });
  });

  it("skips metric validation only for the agent's custom latency metric (per-instance topology)", async () => {
    seedFleet(1, {}, {}, "per-instance");
    await settled();
    const latency = resourcesOfType("azure-native:monitor:MetricAlert").find((r) =>
      r.name.includes("latency"),
    )!;
    const criterion = (latency.inputs.criteria as { allOf: Record<string, unknown>[] }).allOf[0]!;
    expect(criterion).toMatchObject({
      metricNamespace: "Personas/Agent",
      metricName: "NetworkLatency",
      skipMetricValidation: true,
    });
    const actions = latency.inputs.actions as { actionGroupId: string }[];
    expect(actions.map((a) => a.actionGroupId)).toEqual([
      resourceNamed("azure-native:monitor:ActionGroup", "web-actions-feature").id,
    ]);
  });

  it("gives each VM a static private IP, the planned size, the VM identity and the persona tags, and ignores what the runtime owns", async () => {
    const { seen, transformations } = optionRecorder();
    const fleet = seedFleet(2, { transformations });
    await settled();
    const nic = resourceNamed("azure-native:network:NetworkInterface", "web-web-2-nic");
    expect(nic.inputs.ipConfigurations).toEqual([
      expect.objectContaining({
        privateIPAllocationMethod: "Static",
        privateIPAddress: "10.0.0.5",
        primary: true,
      }),
    ]);
    const vm = resourceNamed("azure-native:compute:VirtualMachine", "web-web-2");
    expect(vm.inputs).toMatchObject({
      vmName: "web-2",
      hardwareProfile: { vmSize: fleet.baseline["web-2"]!.vmSize },
      networkProfile: { networkInterfaces: [{ id: nic.id, primary: true }] },
      identity: {
        type: "UserAssigned",
        userAssignedIdentities: [
          resourceNamed("azure-native:managedidentity:UserAssignedIdentity", "web-vm-identity").id,
        ],
      },
      tags: {
        "persona:name": "HighTraffic",
        "persona:version": "1.0.0",
        "persona:digest": SEED_DIGEST,
        "persona:fleet": "web",
        "persona:active": "HighTraffic",
      },
    });
    expect(fleet.baseline["web-2"]!.vmSize).toMatch(/^Standard_/);
    const customData = Buffer.from(
      String((vm.inputs.osProfile as { customData: string }).customData),
      "base64",
    ).toString();
    expect(customData).toContain("/opt/personas/bin/personas-command");
    expect(customData).toContain("apt-get install -y 'nginx");
    expect(seen.find((s) => s.name === "web-web-2")!.ignoreChanges).toEqual([...RUNTIME_OWNED]);
  });

  it("names the resource group and location of per-instance resources as plain values, the NIC depending on the group", async () => {
    // Each Output input costs the engine one await per resource (bench/azure-fleet.bench.ts); the
    // group's name is known, so only the NIC, which has no other path to the group, depends on it.
    // Per-instance topology: the CPU alert is the VM's own, as every alert is with that opt-out.
    const seen: { name: string; group: unknown; region: unknown; dependsOn: unknown }[] = [];
    seedFleet(
      2,
      {
        transformations: [
          (args: pulumi.ResourceTransformationArgs) => {
            if (/^web-web-1(-nic|-cpu-utilization-above)?$/.test(args.name))
              seen.push({
                name: args.name,
                group: args.props.resourceGroupName,
                region: args.props.targetResourceRegion ?? args.props.location,
                dependsOn: args.opts.dependsOn,
              });
            return undefined;
          },
        ],
      },
      {},
      "per-instance",
    );
    await settled();
    expect(seen.map((s) => [s.name, s.group, s.region])).toEqual([
      ["web-web-1-nic", "personas-web_stack", "westeurope"],
      ["web-web-1", "personas-web_stack", "westeurope"],
      ["web-web-1-cpu-utilization-above", "personas-web_stack", "westeurope"],
    ]);
    const names = (resources: unknown) => (resources as { __name: string }[]).map((r) => r.__name);
    expect(names(seen[0]!.dependsOn)).toEqual(["web-group"]);
  });

  it("boots each VM with the personas agent from the fleet's own storage account, checked by SHA-256, before its packages", async () => {
    const fleet = seedFleet(2);
    await settled();
    const bundle = readAzureAgentBundle({ component: "test", name: "web" });
    const account = storageAccountName({ fleet: "web", stack: "stack", subscriptionId: SUBSCRIPTION });
    const clientId = await outputValue(fleet.resources.vmIdentity.clientId);
    const vm = resourceNamed("azure-native:compute:VirtualMachine", "web-web-1");
    const script = Buffer.from(
      String((vm.inputs.osProfile as { customData: string }).customData),
      "base64",
    ).toString();
    const fetch = script.indexOf(
      `'https://${account}.blob.core.windows.net/personas-agent/${agentBlobName(bundle)}' -o /tmp/personas-agent.cjs`,
    );
    const check = script.indexOf(`echo '${bundle.sha256}  /tmp/personas-agent.cjs' | sha256sum -c -`);
    const start = script.indexOf("systemctl enable --now personas-agent.service");
    const packages = script.indexOf("apt-get install -y 'nginx");
    expect([fetch, check, start, packages].every((i) => i > 0)).toBe(true);
    expect(fetch < check && check < start && start < packages).toBe(true);
    expect(script).toContain(`resource=https%3A%2F%2Fstorage.azure.com%2F&client_id=${clientId}`);
    expect(script).toContain("Environment=PERSONAS_AGENT_CLOUD=azure\n");
    expect(script).toContain(`Environment=PERSONAS_AGENT_CLIENT_ID=${clientId}\n`);
    // The blob is the bundle, content-addressed; the VMs' identity may read its container and nothing else.
    const blob = resourceNamed("azure-native:storage:Blob", "web-agent");
    expect(blob.inputs).toMatchObject({
      containerName: "personas-agent",
      blobName: agentBlobName(bundle),
      metadata: { personasagentsha256: bundle.sha256 },
    });
    expect(await (blob.inputs.source as { path: Promise<string> }).path).toBe(bundle.path);
    const reader = resourceNamed("azure-native:authorization:RoleAssignment", "web-vm-agent-reader");
    expect(reader.inputs).toMatchObject({
      scope: resourceNamed("azure-native:storage:BlobContainer", "web-agent").id,
      roleDefinitionId: `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/2a2b9908-6ea1-4ae2-8e65-a410df84e7d1`,
      principalId: await outputValue(fleet.resources.vmIdentity.principalId),
    });
    // The rendered script is valid bash.
    const syntax = spawnSync("bash", ["-n"], { input: script, encoding: "utf8" });
    expect(syntax.stderr).toBe("");
    expect(syntax.status).toBe(0);
  });

  it("deploys one Flex Consumption app on Node 22 per identity boundary, HTTPS only, from its package, with the contract's settings", async () => {
    seedFleet(2);
    await settled();
    const apps = resourcesOfType("azure-native:web:WebApp");
    expect(apps.map((a) => a.inputs.name)).toEqual([
      functionAppName({ fleet: "web", stack: "stack", subscriptionId: SUBSCRIPTION }, "responders"),
      functionAppName({ fleet: "web", stack: "stack", subscriptionId: SUBSCRIPTION }, "firewall"),
    ]);
    for (const app of apps) {
      expect(app.inputs).toMatchObject({
        kind: "functionapp,linux",
        httpsOnly: true,
        functionAppConfig: {
          runtime: { name: "node", version: "22" },
          deployment: { storage: { type: "blobContainer" } },
        },
      });
    }
    const settings = Object.fromEntries(
      (apps[0]!.inputs.siteConfig as { appSettings: { name: string; value: string }[] }).appSettings.map(
        (s) => [s.name, s.value],
      ),
    );
    expect(settings).toMatchObject({
      PERSONAS_FLEET_NAME: "web",
      PERSONAS_STACK_NAME: "stack",
      PERSONAS_RESPONDER_KINDS: "scale,feature",
      PERSONAS_STATE_TABLE: "PersonasState",
      PERSONAS_FLEET_CONTAINER: "fleet-store",
      PERSONAS_SUBSCRIPTION_ID: SUBSCRIPTION,
    });
    expect(resourcesOfType("azure-native:web:AppServicePlan").map((p) => p.inputs.sku)).toEqual([
      { name: "FC1", tier: "FlexConsumption" },
      { name: "FC1", tier: "FlexConsumption" },
    ]);
    const scale = resourceNamed("azure-native:monitor:ActionGroup", "web-actions-scale");
    expect(scale.inputs.azureFunctionReceivers).toEqual([
      expect.objectContaining({
        functionName: "alert-scale",
        functionAppResourceId: apps[0]!.id,
        useCommonAlertSchema: true,
      }),
    ]);
  });

  it("grants each app only its own custom role: VM actions at the fleet's group, NSG rule actions at the NSG (assignable at its group)", async () => {
    seedFleet(2);
    await settled();
    const roles = resourcesOfType("azure-native:authorization:RoleDefinition").sort((a, b) =>
      b.name.localeCompare(a.name),
    );
    const group = resourceNamed("azure-native:resources:ResourceGroup", "web-group");
    // Custom roles are assignable at groups, not at one NSG ("Azure role definitions", AssignableScopes):
    // the firewall's role is assignable at the NSG's group and assigned at the NSG.
    expect(roles.map((r) => [r.name, r.inputs.scope, r.inputs.assignableScopes])).toEqual([
      ["web-responders-role", group.id, [group.id]],
      ["web-firewall-role", NSG_GROUP, [NSG_GROUP]],
    ]);
    expect(resourceNamed("azure-native:authorization:RoleAssignment", "web-firewall-role").inputs.scope).toBe(
      NSG,
    );
    const [responders, firewall] = roles.map(
      (r) => (r.inputs.permissions as { actions: string[] }[])[0]!.actions,
    );
    // VM actions, and reading the alert rules a job names (the worker checks the rule before it acts).
    expect(responders!.filter((a) => !a.startsWith("Microsoft.Compute/virtualMachines/"))).toEqual([
      "Microsoft.Insights/metricAlerts/read",
      "Microsoft.Insights/scheduledQueryRules/read",
    ]);
    expect(responders).toContain("Microsoft.Compute/virtualMachines/deallocate/action");
    expect(firewall!.every((a) => a.startsWith("Microsoft.Network/networkSecurityGroups/"))).toBe(true);
    expect(
      [...responders!, ...firewall!].some((a) => a.includes("*") || a.startsWith("Microsoft.Authorization")),
    ).toBe(false);
  });

  it("names the storage account within Azure's rules and tags every resource; the whole fleet passes the cloud-contract check", async () => {
    seedFleet(2);
    await settled();
    expect(resourceNamed("azure-native:storage:StorageAccount", "web-storage").inputs.accountName).toBe(
      storageAccountName({ fleet: "web", stack: "stack", subscriptionId: SUBSCRIPTION }),
    );
    expect(() => assertAzureCloudContract(recorder.resources)).not.toThrow();
  });

  it("refuses a list feed without an NSG or a WAF policy, naming the fix", () => {
    expect(
      () =>
        new AzurePersonaFleet("web", {
          location: "westeurope",
          image: { publisher: "Canonical", offer: "ubuntu-24_04-lts", sku: "server" },
          subnetId: "subnet",
          admin: { username: "ops", sshPublicKey: "key" },
          defaultPersona: seedPersona,
          instances: [{ name: "web-1", privateIpAddress: "10.0.0.4" }],
        }),
    ).toThrow(AzureMissingTargetError);
  });

  it("stops with the package's path when a function app the fleet needs was not built, and uses built packages", async () => {
    const directory = mkdtempSync(join(tmpdir(), "personas-azure-packages-"));
    const previous = setFunctionPackageCheck(true);
    try {
      mkdirSync(join(directory, "responders"));
      writeFileSync(join(directory, "responders", "index.js"), "module.exports = {};\n");
      const build = () => seedFleet(1, {}, { packageDirectory: directory });
      expect(build).toThrow(
        `AzurePersonaFleet 'web': the function app package ${join(directory, "firewall", "index.js")} does not exist. Fix: run \`npm run build\` in pulumi-personas (it bundles src/runtime/azure/apps with esbuild), or pass \`functions.packageDirectory\`.`,
      );
      mkdirSync(join(directory, "firewall"));
      writeFileSync(join(directory, "firewall", "index.js"), "module.exports = {};\n");
      // The refused component had registered itself before it threw.
      await settled();
      recorder.reset();
      build();
      await settled();
      expect(countByType()).toEqual(expected(1));
    } finally {
      setFunctionPackageCheck(previous);
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
