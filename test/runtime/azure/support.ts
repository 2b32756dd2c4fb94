/**
 * Fixtures for the Azure runtime tests, built from the planner's and the renderer's own output
 * (digest, manifest entries, alert names), never typed by hand: the persona of the seed's story on
 * Azure, its fleet store in Azurite, its alert rules and VM in the ARM double, the app settings,
 * common-schema alert calls, and a Functions-host double for queue triggers.
 */
import { HttpRequest, InvocationContext, type Timer } from "@azure/functions";
import { BlobServiceClient } from "@azure/storage-blob";
import { QueueServiceClient } from "@azure/storage-queue";
import { fleetAlertArgs } from "../../../src/azure/fleet.js";
import { parsePersona } from "../../../src/pdl/parse.js";
import {
  buildManifest,
  type FeedEnforcement,
  FLEET_STORE_KEYS,
  type FleetManifest,
  manifestEntries,
} from "../../../src/plan/manifest.js";
import { alarmName } from "../../../src/plan/names.js";
import { type FleetPlan, planFleet } from "../../../src/plan/plan.js";
import { ALARM_OWNER_TAG, PERSONA_TAGS } from "../../../src/plan/tags.js";
import { topologyOf } from "../../../src/plan/topology.js";
import { contentDigest } from "../../../src/repository/digest.js";
import type { AzureRuntimeOptions } from "../../../src/runtime/azure/context.js";
import {
  ALERT_RESPONDER_KINDS,
  type AlertResponderKind,
  APP_SETTINGS,
  type AzureFleetMembers,
  MAX_DEQUEUE_COUNT,
  memberIdOf,
  poisonQueueName,
  responderQueueName,
  WEBHOOK_PROPERTIES,
  WEBHOOK_SCHEMA_VERSION,
} from "../../../src/runtime/azure/contract.js";
import { createIntake } from "../../../src/runtime/azure/intake.js";
import {
  parseConnectionString,
  StorageRestClient,
  TableRest,
} from "../../../src/runtime/azure/storage-rest.js";
import { ArmDouble, RESOURCE_GROUP, SUBSCRIPTION, vmResourceId } from "../../support/arm-double.js";
import { azuriteConnectionString, uniqueName } from "../../support/azurite.js";

/** The seed's persona on Azure, with the CDN feature spelt out and a command for the run-command responder. */
export const SEED_PERSONA_TEXT = `Name: HighTraffic
Version: "1.3.0"
BaseConfiguration:
    CPU: 8 cores
    Memory: 32 GB
Features:
    - Name: CDN caching
      Activate: /opt/personas/bin/cdn-cache enable
      Deactivate: /opt/personas/bin/cdn-cache disable
TelemetryTriggers:
    - Condition: CPU Load > 80% for 5 minutes
      Action: Scale up to 16 cores
      Cooldown: 15 minutes
      Clear: after 30 minutes
    - Condition: Network Latency > 100ms
      Action: Activate CDN caching
    - Name: patch
      Condition: Disk Utilization > 90% for 5 minutes
      Action: Run command "systemctl reload nginx"
`;

export const FLEET = "web";
export const STACK = "prod";
export const MEMBER_KEYS = ["web-1", "web-2"] as const;
const persona = parsePersona(SEED_PERSONA_TEXT, { file: "HighTraffic.yaml" });
export const DIGEST = contentDigest(persona);

/**
 * The seed's fleet on Standard_D8s_v5 (8 vCPUs, 32 GiB), as the planner makes it: the fleet of two with
 * one alert per VM × alarm unless asked otherwise.
 */
export function seedFleetPlan(
  options: { keys?: readonly string[]; alarms?: "fleet-wide" | "per-instance" } = {},
): FleetPlan {
  const { keys = MEMBER_KEYS, alarms = "per-instance" } = options;
  return planFleet(
    FLEET,
    keys.map((key) => ({
      key,
      resolved: {
        persona,
        ref: { name: persona.name, version: persona.version ?? "1.3.0", digest: DIGEST },
        size: { cloud: "azure" as const, name: "Standard_D8s_v5" },
      },
    })),
    { webAcl: false, networkAcl: false },
    { alarms },
  );
}

export function seedManifest(): FleetManifest {
  return buildManifest(seedFleetPlan(), "azure");
}

/** The plan's alarm id of a role on a trigger: the CPU trigger, its clear, the latency trigger, the patch trigger. */
export function alarmIdOf(metric: "cpu" | "cpu-clear" | "latency" | "patch"): string {
  const plan = seedFleetPlan().personas[0]!;
  const find = (predicate: (a: (typeof plan.alarms)[number]) => boolean) => {
    const alarm = plan.alarms.find(predicate);
    if (alarm === undefined) throw new Error(`the seed persona has no ${metric} alarm`);
    return alarm.id;
  };
  const actionKind = (a: (typeof plan.alarms)[number]) => a.onAlarm.actions[0]?.kind;
  switch (metric) {
    case "cpu":
      return find((a) => a.role === "activate" && actionKind(a) === "scale");
    case "cpu-clear":
      return find((a) => a.role === "clear" && actionKind(a) === "scale");
    case "latency":
      return find((a) => a.role === "activate" && actionKind(a) === "activate-feature");
    case "patch":
      return find((a) => a.role === "activate" && actionKind(a) === "run-command");
  }
}

/** The name the components give member `key`'s alert `alarmId`. */
export function alertName(alarmId: string, key: string = MEMBER_KEYS[0]): string {
  return alarmName({ fleet: FLEET, stack: STACK }, key, alarmId);
}

/** The VM resource id of member `key` (the double's VM of the same name). */
export function memberVmId(key: string = MEMBER_KEYS[0]): string {
  return vmResourceId(key);
}

/** The membership record the components write for a planned fleet. */
export function membersOf(plan: FleetPlan): AzureFleetMembers {
  return {
    version: 1,
    fleet: plan.fleet,
    members: Object.fromEntries(
      plan.instances.map(({ key, plan: p }) => [
        memberIdOf(memberVmId(key)),
        { key, digest: p.persona.digest },
      ]),
    ),
  };
}

/** A world: the ARM double with the fleet's VMs and alert rules, Azurite with the store, table and queues. */
export interface AzureWorld {
  arm: ArmDouble;
  options: AzureRuntimeOptions;
  table: TableRest;
  queues: QueueServiceClient;
  clock: { now: number };
  logs: Record<string, unknown>[];
}

/**
 * Builds a fresh world for a planned fleet (the seed's fleet of two by default), with names of its
 * own in this worker's Azurite: the fleet store holds the plan's manifest entries (feeds with
 * `enforcement`), the whole manifest and the membership record; the ARM double holds one running VM
 * per member and the stack's alert rules for it.
 */
export async function seedWorld(
  plan: FleetPlan = seedFleetPlan(),
  enforcement: Record<string, FeedEnforcement> = {},
): Promise<AzureWorld> {
  const manifest = buildManifest(plan, "azure");
  const connection = azuriteConnectionString();
  const stateTable = uniqueName("state");
  const container = uniqueName("manifest");
  const blobs = BlobServiceClient.fromConnectionString(connection).getContainerClient(container);
  await blobs.create();
  for (const [key, entry] of manifestEntries(manifest)) {
    const where = "feedId" in entry ? enforcement[entry.feedId] : undefined;
    await upload(blobs, key, JSON.stringify(where === undefined ? entry : { ...entry, enforcement: where }));
  }
  await upload(blobs, FLEET_STORE_KEYS.fleet, JSON.stringify(manifest));
  await upload(blobs, FLEET_STORE_KEYS.members, JSON.stringify(membersOf(plan)));
  const { endpoints, credential } = parseConnectionString(connection);
  const table = new TableRest(new StorageRestClient(endpoints, credential), stateTable);
  await table.createTable();
  const queues = QueueServiceClient.fromConnectionString(connection);
  // Queue names are fixed by the contract and this worker's Azurite is shared by its files, which
  // run one after another: each world starts from empty queues.
  for (const kind of ALERT_RESPONDER_KINDS) {
    for (const name of [responderQueueName(kind), poisonQueueName(kind)]) {
      await queues.getQueueClient(name).createIfNotExists();
      await queues.getQueueClient(name).clearMessages();
    }
  }
  const arm = new ArmDouble();
  for (const { key, plan: persona } of plan.instances) {
    const vm = arm.addVm(key, {
      size: "Standard_D8s_v5",
      tags: {
        [PERSONA_TAGS.fleet]: FLEET,
        [PERSONA_TAGS.name]: persona.persona.name,
        [PERSONA_TAGS.digest]: persona.persona.digest,
      },
    });
    // The stack's per-VM alerts: the alarms the plan does not make fleet-wide on Azure.
    for (const alarm of persona.alarms) {
      if (topologyOf(plan.alarmTopology, persona.persona.digest, alarm.id)?.azure.kind === "fleet-wide")
        continue;
      const name = alertName(alarm.id, key);
      const response = await arm.fetch(
        `https://management.azure.com/subscriptions/${SUBSCRIPTION}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.Insights/metricAlerts/${name}?api-version=2018-03-01`,
        {
          method: "PUT",
          headers: { authorization: "Bearer test" },
          body: JSON.stringify({
            location: "global",
            tags: { [ALARM_OWNER_TAG]: "stack", [PERSONA_TAGS.fleet]: FLEET },
            properties: {
              scopes: [vm.id],
              enabled: true,
              severity: 3,
              evaluationFrequency: alarm.azure.evaluationFrequency,
              windowSize: alarm.azure.windowSize,
              criteria: {
                "odata.type": "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",
                allOf: [
                  {
                    criterionType: "StaticThresholdCriterion",
                    name: alarm.id,
                    metricNamespace: alarm.azure.metricNamespace,
                    metricName: alarm.azure.metricName,
                    operator: alarm.azure.operator,
                    threshold: alarm.azure.threshold,
                    timeAggregation: alarm.azure.timeAggregation,
                  },
                ],
              },
            },
          }),
        },
      );
      if (response.status !== 200)
        throw new Error(`the ARM double refused alert ${name}: ${await response.text()}`);
    }
  }
  arm.actions.length = 0;
  const clock = { now: Date.parse("2027-01-15T10:00:00Z") };
  const logs: Record<string, unknown>[] = [];
  const env: NodeJS.ProcessEnv = {
    [APP_SETTINGS.fleetName]: FLEET,
    [APP_SETTINGS.stackName]: STACK,
    [APP_SETTINGS.subscriptionId]: SUBSCRIPTION,
    [APP_SETTINGS.resourceGroup]: RESOURCE_GROUP,
    [APP_SETTINGS.stateTable]: stateTable,
    [APP_SETTINGS.fleetContainer]: container,
    [APP_SETTINGS.storageConnection]: connection,
  };
  return {
    arm,
    table,
    queues,
    clock,
    logs,
    options: {
      env,
      armFetch: arm.fetch,
      armToken: async () => "test-token",
      now: () => clock.now,
      sleep: async () => {},
      logSink: (line) => logs.push(JSON.parse(line) as Record<string, unknown>),
    },
  };
}

async function upload(
  container: ReturnType<BlobServiceClient["getContainerClient"]>,
  key: string,
  text: string,
) {
  await container.getBlockBlobClient(key).upload(text, Buffer.byteLength(text));
}

/** A common-alert-schema call for member `key`'s alert `alarmId`, as an action group sends it. */
export function commonAlert(
  alarmId: string,
  options: {
    condition?: "Fired" | "Resolved";
    key?: string;
    vmId?: string;
    alertRule?: string;
    firedAt?: string;
    properties?: Record<string, string>;
  } = {},
): string {
  const key = options.key ?? MEMBER_KEYS[0];
  const firedAt = options.firedAt ?? "2027-01-15T10:00:00.000Z";
  return JSON.stringify({
    schemaId: "azureMonitorCommonAlertSchema",
    data: {
      essentials: {
        alertId: `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.AlertsManagement/alerts/${alarmId}-${key}-${firedAt}`,
        alertRule: options.alertRule ?? alertName(alarmId, key),
        severity: "Sev3",
        signalType: "Metric",
        monitorCondition: options.condition ?? "Fired",
        monitoringService: "Platform",
        alertTargetIDs: [options.vmId ?? memberVmId(key).toLowerCase()],
        originAlertId: "origin",
        firedDateTime: firedAt,
        ...(options.condition === "Resolved" ? { resolvedDateTime: "2027-01-15T10:40:00.000Z" } : {}),
        description: "",
        essentialsVersion: "1.0",
        alertContextVersion: "1.0",
      },
      alertContext: {
        conditionType: "SingleResourceMultipleMetricCriteria",
        condition: { windowSize: "PT5M" },
      },
      customProperties: options.properties ?? webhookProperties(alarmId, key),
    },
  });
}

/** The webhook properties the components set on member `key`'s alert `alarmId` (docs/azure.md). */
export function webhookProperties(alarmId: string, key: string = MEMBER_KEYS[0]): Record<string, string> {
  const plan = seedFleetPlan().personas[0]!;
  const alarm = plan.alarms.find((a) => a.id === alarmId)!;
  return {
    [WEBHOOK_PROPERTIES.schema]: WEBHOOK_SCHEMA_VERSION,
    [WEBHOOK_PROPERTIES.fleet]: FLEET,
    [WEBHOOK_PROPERTIES.stack]: STACK,
    [WEBHOOK_PROPERTIES.persona]: plan.persona.name,
    [WEBHOOK_PROPERTIES.version]: plan.persona.version,
    [WEBHOOK_PROPERTIES.digest]: DIGEST,
    [WEBHOOK_PROPERTIES.triggerId]: alarm.triggerId,
    [WEBHOOK_PROPERTIES.alarmId]: alarmId,
    [WEBHOOK_PROPERTIES.intent]: alarm.onAlarm.intent,
    [WEBHOOK_PROPERTIES.member]: key,
    [WEBHOOK_PROPERTIES.owner]: "stack",
  };
}

/** The HttpRequest the Functions host hands the intake `alert-<kind>`. */
export function intakeRequest(kind: string, body: string): HttpRequest {
  return new HttpRequest({
    method: "POST",
    url: `https://personas-web.azurewebsites.net/api/alert-${kind}`,
    body: { string: body },
    headers: { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) },
  });
}

/** An InvocationContext for an in-process call. */
export function invocation(functionName: string): InvocationContext {
  return new InvocationContext({
    invocationId: `${functionName}-${Math.random().toString(16).slice(2)}`,
    functionName,
    logHandler: () => {},
  });
}

/**
 * The Functions host's queue trigger, as documented ("Azure Queue storage trigger", Microsoft Learn):
 * takes messages, decodes base64 JSON, calls the handler; deletes a message on success; on failure
 * makes it visible again, and after {@link MAX_DEQUEUE_COUNT} attempts moves it to `<queue>-poison`.
 * Runs until the queue is empty (bounded). Returns the handler's results.
 */
export async function drainQueue(
  queues: QueueServiceClient,
  queueName: string,
  handler: (message: unknown, context: InvocationContext) => Promise<unknown>,
  options: { concurrently?: boolean } = {},
): Promise<{ results: unknown[]; failures: unknown[] }> {
  const queue = queues.getQueueClient(queueName);
  const results: unknown[] = [];
  const failures: unknown[] = [];
  for (let round = 0; round < 50; round++) {
    const { receivedMessageItems } = await queue.receiveMessages({
      numberOfMessages: 32,
      visibilityTimeout: 30,
    });
    if (receivedMessageItems.length === 0) break;
    const handle = async (item: (typeof receivedMessageItems)[number]) => {
      const message = JSON.parse(Buffer.from(item.messageText, "base64").toString("utf8")) as unknown;
      try {
        results.push(await handler(message, invocation(`personas-worker-${queueName}`)));
        await queue.deleteMessage(item.messageId, item.popReceipt);
      } catch (error) {
        failures.push(error);
        if (item.dequeueCount >= MAX_DEQUEUE_COUNT) {
          await queues.getQueueClient(`${queueName}-poison`).createIfNotExists();
          await queues.getQueueClient(`${queueName}-poison`).sendMessage(item.messageText);
          await queue.deleteMessage(item.messageId, item.popReceipt);
        } else {
          await queue.updateMessage(item.messageId, item.popReceipt, undefined, 0);
        }
      }
    };
    if (options.concurrently) await Promise.all(receivedMessageItems.map(handle));
    else for (const item of receivedMessageItems) await handle(item);
  }
  return { results, failures };
}

/** The Timer a timer trigger hands its handler on a regular tick. */
export function timerTick(): Timer {
  return {
    isPastDue: false,
    schedule: { adjustForDST: false },
    scheduleStatus: {
      last: "2027-01-15T09:55:00Z",
      next: "2027-01-15T10:05:00Z",
      lastUpdated: "2027-01-15T09:55:00Z",
    },
  };
}

/** Replaces the membership record in a world's fleet store (as a deployment that adds members would). */
export async function putMembers(options: AzureRuntimeOptions, members: AzureFleetMembers): Promise<void> {
  const env = options.env ?? {};
  const container = BlobServiceClient.fromConnectionString(
    env[APP_SETTINGS.storageConnection]!,
  ).getContainerClient(env[APP_SETTINGS.fleetContainer]!);
  await upload(container, FLEET_STORE_KEYS.members, JSON.stringify(members));
}

/** Replaces the whole manifest in a world's fleet store, as a deployment of `plan` writes it for Azure. */
export async function putManifest(options: AzureRuntimeOptions, plan: FleetPlan): Promise<void> {
  const env = options.env ?? {};
  const container = BlobServiceClient.fromConnectionString(
    env[APP_SETTINGS.storageConnection]!,
  ).getContainerClient(env[APP_SETTINGS.fleetContainer]!);
  await upload(container, FLEET_STORE_KEYS.fleet, JSON.stringify(buildManifest(plan, "azure")));
}

/** Posts a body to the intake `alert-<kind>` as the kind's action group would; returns status and JSON body. */
export function intakePoster(world: AzureWorld) {
  return async (kind: string, body: string): Promise<{ status: number | undefined; body: unknown }> => {
    const intake = createIntake(kind as AlertResponderKind, world.options);
    const response = await intake(intakeRequest(kind, body), invocation(`alert-${kind}`));
    return { status: response.status, body: response.jsonBody };
  };
}

const GROUP_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RESOURCE_GROUP}`;

/** A fleet-wide rule's inputs, as `fleetAlertArgs` renders them. */
export type FleetRule = {
  ruleName: string;
  location: string;
  tags: Record<string, string>;
  scopes: string[];
  criteria: { odataType: string; allOf: Record<string, unknown>[] };
  actions: { actionGroupId: string; webHookProperties: Record<string, string> }[];
} & Record<string, unknown>;

/**
 * The multi-resource metric alert rule of persona `digest`'s alarm `alarmId` in `plan`, as the renderer
 * makes it (`fleetAlertArgs`) for the double's resource group, in westeurope, with an action group per
 * responder kind.
 */
export function fleetRule(plan: FleetPlan, digest: string, alarmId: string): FleetRule {
  const persona = plan.personas.find((p) => p.persona.digest === digest)!;
  const alarm = persona.alarms.find((a) => a.id === alarmId)!;
  return fleetAlertArgs({ fleet: FLEET, stack: STACK }, persona, alarm, {
    resourceGroupName: RESOURCE_GROUP,
    resourceGroupId: GROUP_ID,
    location: "westeurope",
    actionGroupIds: Object.fromEntries(
      ALERT_RESPONDER_KINDS.map((kind) => [
        kind,
        `${GROUP_ID}/providers/microsoft.insights/actionGroups/personas-${FLEET}_${kind}`,
      ]),
    ),
    tags: {},
  }) as unknown as FleetRule;
}

/** Creates a fleet-wide rule in the ARM double, as `pulumi up` would (Metric Alerts - Create Or Update). */
export async function deployFleetRule(world: AzureWorld, rule: FleetRule): Promise<void> {
  const { resourceGroupName: _group, ruleName, location, tags, ...properties } = rule;
  const { odataType, ...criteria } = properties.criteria;
  const response = await world.arm.fetch(
    `https://management.azure.com${GROUP_ID}/providers/Microsoft.Insights/metricAlerts/${ruleName}?api-version=2018-03-01`,
    {
      method: "PUT",
      headers: { authorization: "Bearer test" },
      body: JSON.stringify({
        location,
        tags,
        properties: { ...properties, criteria: { "odata.type": odataType, ...criteria } },
      }),
    },
  );
  if (response.status !== 200)
    throw new Error(`the ARM double refused rule ${ruleName}: ${await response.text()}`);
}

/**
 * Creates every multi-resource metric alert rule of a fleet-wide plan in the ARM double, as `pulumi up`
 * would: one per persona × alarm the plan makes fleet-wide on Azure over a platform metric (an agent
 * metric's fleet-wide rule is a log search rule, not a metric alert). Returns the rules.
 */
export async function deployFleetRules(world: AzureWorld, plan: FleetPlan): Promise<FleetRule[]> {
  const rules: FleetRule[] = [];
  for (const persona of plan.personas)
    for (const alarm of persona.alarms) {
      const wide =
        topologyOf(plan.alarmTopology, persona.persona.digest, alarm.id)?.azure.kind === "fleet-wide";
      if (!wide || alarm.azure.metricNamespace !== "Microsoft.Compute/virtualMachines") continue;
      const rule = fleetRule(plan, persona.persona.digest, alarm.id);
      await deployFleetRule(world, rule);
      rules.push(rule);
    }
  return rules;
}

/**
 * Azure Monitor's call for a fleet-wide rule's alert on one VM: the common alert schema's metric
 * sample ("Common alert schema", "Sample alert payload": `essentials.alertTargetIDs` lowercased,
 * `alertRuleID`, `configurationItems`), with the multi-resource criteria's condition type and the
 * rule's own condition and webhook properties.
 */
export function fleetAlert(
  rule: FleetRule,
  vm: string,
  options: { condition?: "Fired" | "Resolved"; firedAt?: string } = {},
): string {
  const firedAt = options.firedAt ?? "2027-01-15T10:00:00.000Z";
  const target = memberIdOf(vmResourceId(vm));
  const criterion = rule.criteria.allOf[0]!;
  return JSON.stringify({
    schemaId: "azureMonitorCommonAlertSchema",
    data: {
      essentials: {
        alertId: `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.AlertsManagement/alerts/${vm}-${firedAt}`,
        alertRule: rule.ruleName,
        alertRuleID: `${GROUP_ID}/providers/microsoft.insights/metricAlerts/${rule.ruleName}`,
        severity: "Sev3",
        signalType: "Metric",
        monitorCondition: options.condition ?? "Fired",
        monitoringService: "Platform",
        alertTargetIDs: [target],
        configurationItems: [vm],
        originAlertId: `${SUBSCRIPTION}_${RESOURCE_GROUP}_microsoft.insights_metricAlerts_${rule.ruleName}_${vm}`,
        firedDateTime: firedAt,
        ...(options.condition === "Resolved" ? { resolvedDateTime: "2027-01-15T10:40:00.000Z" } : {}),
        description: "",
        essentialsVersion: "1.0",
        alertContextVersion: "1.0",
      },
      alertContext: {
        properties: null,
        conditionType: "MultipleResourceMultipleMetricCriteria",
        condition: {
          windowSize: rule.windowSize,
          allOf: [
            {
              metricName: criterion.metricName,
              metricNamespace: criterion.metricNamespace,
              operator: criterion.operator,
              threshold: String(criterion.threshold),
              timeAggregation: criterion.timeAggregation,
              dimensions: [{ name: "ResourceId", value: target }],
              metricValue: Number(criterion.threshold) + 1,
            },
          ],
        },
      },
      customProperties: rule.actions[0]!.webHookProperties,
    },
  });
}

/** The metric alert rules in the ARM double, by name (every owner: stack, fleet and run time). */
export function alertRuleNames(world: AzureWorld): string[] {
  return [...world.arm.alerts.values()].map((a) => a.name).sort();
}
