/**
 * Drain/restore and isolate/release on Azure, end to end: the alert the components render reaches the
 * intake, the queue and the worker, which acts on the ARM double's network interfaces, load balancer,
 * Application Gateway, Front Door origin and NSGs (test/support/arm-network-double.ts: the documented
 * request shapes and errors, each citing its document). The app settings are the components' own
 * output (`azureTrafficConfig`, `azureIsolationConfig`), the alerts' webhook properties are
 * `webhookPropertiesOf`, and the plan is the planner's: nothing here is typed by hand that the
 * renderer makes. The same test list as the AWS responders' (test/runtime/aws/traffic-isolate.test.ts).
 */
import { beforeEach, describe, expect, it } from "vitest";
import { webhookPropertiesOf } from "../../../src/azure/fleet.js";
import { azureIsolationConfig, azureTrafficConfig } from "../../../src/azure/traffic.js";
import { parsePersona } from "../../../src/pdl/parse.js";
import { type FleetPlan, planFleet } from "../../../src/plan/plan.js";
import { ISOLATED_TAG } from "../../../src/plan/tags.js";
import { contentDigest } from "../../../src/repository/digest.js";
import { azureIsolateExecutor } from "../../../src/runtime/azure/actions/isolate.js";
import { azureTrafficExecutor } from "../../../src/runtime/azure/actions/traffic.js";
import {
  type AlertResponderKind,
  KIND_APP_SETTINGS,
  memberIdOf,
  responderQueueName,
} from "../../../src/runtime/azure/contract.js";
import { TableStateStore } from "../../../src/runtime/azure/state.js";
import { createWorker } from "../../../src/runtime/azure/worker.js";
import { noAzurite } from "../../support/azurite.js";
import { outputValue } from "../../support/pulumi.js";
import {
  type AzureWorld,
  commonAlert,
  drainQueue,
  FLEET,
  intakePoster,
  MEMBER_KEYS,
  memberVmId,
  STACK,
  seedWorld,
} from "./support.js";

const PERSONA_TEXT = `Name: ResilientWeb
Version: "1.0.0"
BaseConfiguration:
    CPU: 8 cores
    Memory: 32 GB
TelemetryTriggers:
    - Name: errors
      Condition: CPU Load > 90% for 3 minutes
      Action: Drain traffic
      Clear: after 10 minutes
    - Name: spill
      Condition: Network In > 1 Gbps for 5 minutes
      Action: Redirect traffic to standby
      Clear: after 10 minutes
    - Name: exfil
      Condition: Network Out > 2 Gbps for 5 minutes
      Action: Isolate instance
      Cooldown: 1 hour
      Clear: after 30 minutes
`;

const persona = parsePersona(PERSONA_TEXT, { file: "ResilientWeb.yaml" });

function trafficPlan(): FleetPlan {
  const digest = contentDigest(persona);
  return planFleet(
    FLEET,
    MEMBER_KEYS.map((key) => ({
      key,
      resolved: {
        persona,
        ref: { name: persona.name, version: "1.0.0", digest },
        size: { cloud: "azure" as const, name: "Standard_D8s_v5" },
      },
    })),
    { webAcl: false, networkAcl: false },
    { alarms: "per-instance" },
  );
}

const plan = trafficPlan();
const personaPlan = plan.personas[0]!;

/** The plan's alarm of a trigger: its activate alarm or its clear watcher. */
function alarmOf(trigger: "errors" | "spill" | "exfil", role: "activate" | "clear" = "activate") {
  const alarm = personaPlan.alarms.find((a) => a.triggerId === trigger && a.role === role);
  if (alarm === undefined) throw new Error(`the plan has no ${role} alarm for ${trigger}`);
  return alarm;
}

/** The alert call member `key`'s alert of `trigger` makes, with the properties the components set. */
function alert(
  trigger: "errors" | "spill" | "exfil",
  options: {
    role?: "activate" | "clear";
    key?: string;
    condition?: "Fired" | "Resolved";
    firedAt?: string;
  } = {},
): string {
  const alarm = alarmOf(trigger, options.role);
  const key = options.key ?? MEMBER_KEYS[0];
  return commonAlert(alarm.id, {
    key,
    properties: webhookPropertiesOf({ fleet: FLEET, stack: STACK }, personaPlan, alarm, key),
    ...(options.condition ? { condition: options.condition } : {}),
    ...(options.firedAt ? { firedAt: options.firedAt } : {}),
  });
}

describe.skipIf(noAzurite)(
  "Azure traffic and isolate responders (intake → queue → worker, ARM double)",
  () => {
    let world: AzureWorld;
    let post: ReturnType<typeof intakePoster>;
    let lbPool: string;
    let gatewayPool: string;
    let standby: string;
    let webNsg: string;
    let quarantine: string;
    let notices: { url: string; body: Record<string, unknown> }[];

    beforeEach(async () => {
      world = await seedWorld(plan);
      post = intakePoster(world);
      const network = world.arm.network;
      const lb = network.addLoadBalancer("web-lb", ["web"], { http: "web" });
      const gateway = network.addApplicationGateway("web-agw", ["web"]);
      lbPool = `${lb}/backendAddressPools/web`;
      gatewayPool = `${gateway}/backendAddressPools/web`;
      standby = network.addOrigin("edge", "web", "standby", 10);
      webNsg = network.addNsg("web-nsg");
      quarantine = network.addNsg("quarantine");
      for (const key of MEMBER_KEYS) {
        network.join(`${key}-nic`, lbPool);
        network.join(`${key}-nic`, gatewayPool);
        network.nic(`${key}-nic`).properties.networkSecurityGroup = { id: webNsg };
      }
      notices = [];
      world.options.webhookFetch = async (url, init) => {
        notices.push({ url: String(url), body: JSON.parse(String(init?.body)) as Record<string, unknown> });
        return new Response(null, { status: 202 });
      };
      // The app settings as the components render them.
      world.options.env![KIND_APP_SETTINGS.trafficConfig] = await outputValue(
        azureTrafficConfig({
          loadBalancers: [{ id: lb, backendPoolNames: ["web"] }],
          applicationGateways: [{ id: gateway, backendPoolNames: ["web"] }],
          targets: { standby: { originId: standby, weight: 1000 } },
        }),
      );
      world.options.env![KIND_APP_SETTINGS.isolationConfig] = await outputValue(
        azureIsolationConfig(quarantine, "https://hooks.example.com/security"),
      );
    });

    const workers: Record<"traffic" | "isolate", () => Parameters<typeof drainQueue>[2]> = {
      traffic: () => createWorker("traffic", azureTrafficExecutor, world.options),
      isolate: () => createWorker("isolate", azureIsolateExecutor, world.options),
    };

    /** Posts an alert to the kind's intake and runs the kind's worker over its queue. */
    async function run(kind: "traffic" | "isolate", body: string) {
      const intake = await post(kind as AlertResponderKind, body);
      const { results, failures } = await drainQueue(world.queues, responderQueueName(kind), workers[kind]());
      return { intake, results, failures };
    }

    /** Runs a trigger's clear: its watcher fires with the load, then resolves after the clear window. */
    async function clear(
      kind: "traffic" | "isolate",
      trigger: "errors" | "spill" | "exfil",
      minutes: number,
    ) {
      await post(kind, alert(trigger, { role: "clear" }));
      world.clock.now += minutes * 60_000;
      return run(
        kind,
        alert(trigger, { role: "clear", condition: "Resolved", firedAt: "2027-01-15T10:45:00.000Z" }),
      );
    }

    async function audit(key: string = MEMBER_KEYS[0]): Promise<string[]> {
      const records = await new TableStateStore(world.table).auditOf(memberIdOf(memberVmId(key)));
      return records.map((r) => `${r.kind} ${r.outcome}: ${r.detail}`);
    }

    describe("Drain traffic", () => {
      it("takes the VM's network interface out of the fleet's load balancer and gateway pools and leaves it running", async () => {
        const { intake, results } = await run("traffic", alert("errors"));

        expect(intake).toEqual({ status: 202, body: { outcome: "queued" } });
        expect(results).toEqual([
          {
            outcome: "acted",
            vmId: memberIdOf(memberVmId()),
            detail: "web-1: removed from web-lb/web, web-agw/web; the VM keeps running (running)",
          },
        ]);
        expect(world.arm.network.poolsOf("web-1-nic")).toEqual([]);
        expect(world.arm.network.poolsOf("web-2-nic")).toEqual([gatewayPool, lbPool].sort());
        expect(world.arm.vm("web-1").power).toBe("running");
        // The NIC is written whole: its NSG and address survive the drain.
        expect(world.arm.network.nic("web-1-nic").properties.networkSecurityGroup).toEqual({ id: webNsg });
        expect(
          world.arm.network.nic("web-1-nic").properties.ipConfigurations[0]!.properties.privateIPAddress,
        ).toBe(world.arm.vm("web-1").privateIp);
        expect(world.arm.actions).toEqual([
          "putNic web-1-nic pools=[] nsg=Microsoft.Network/networkSecurityGroups/web-nsg",
        ]);
      });

      it("puts it back in exactly the recorded pools on clear", async () => {
        await run("traffic", alert("errors"));
        world.arm.actions.length = 0;

        const { results } = await clear("traffic", "errors", 11);

        expect(results).toEqual([
          expect.objectContaining({ outcome: "acted", detail: "web-1: back in web-lb/web, web-agw/web" }),
        ]);
        expect(world.arm.network.poolsOf("web-1-nic")).toEqual([gatewayPool, lbPool].sort());
        expect(world.arm.actions).toEqual([
          "putNic web-1-nic pools=[web-agw/backendAddressPools/web,web-lb/backendAddressPools/web] nsg=Microsoft.Network/networkSecurityGroups/web-nsg",
        ]);
      });

      it("never drains the last healthy backend of a pool: it keeps serving there and the audit record says why", async () => {
        // The other member's probes fail on the load balancer; on the gateway it is draining.
        const peer = world.arm.network.nic("web-2-nic").properties.ipConfigurations[0]!.id.toLowerCase();
        world.arm.network.backendState.set(peer, "Draining");

        const { results } = await run("traffic", alert("errors"));

        const detail =
          "web-1 was not drained: kept in web-lb/web (the last healthy backend: it keeps serving), web-agw/web (the last healthy backend: it keeps serving)";
        expect(results).toEqual([expect.objectContaining({ outcome: "unchanged", detail })]);
        expect(world.arm.network.poolsOf("web-1-nic")).toEqual([gatewayPool, lbPool].sort());
        expect(world.arm.actions).toEqual([]);
        expect(await audit()).toEqual([`traffic unchanged: ${detail}`]);
      });

      it("redirects to the named Front Door origin and puts its weight back on clear", async () => {
        const { results } = await run("traffic", alert("spill"));

        expect(results).toEqual([
          expect.objectContaining({
            outcome: "acted",
            detail:
              "web-1: removed from web-lb/web, web-agw/web; standby weight 10 -> 1000; the VM keeps running (running)",
          }),
        ]);
        expect(world.arm.network.origins.get(standby.toLowerCase())!.weight).toBe(1000);

        const restored = await clear("traffic", "spill", 11);

        expect(restored.results).toEqual([
          expect.objectContaining({
            detail: "web-1: back in web-lb/web, web-agw/web; standby weight 1000 -> 10",
          }),
        ]);
        expect(world.arm.network.origins.get(standby.toLowerCase())!.weight).toBe(10);
      });

      it("refuses to act when the fleet declares no traffic, and the VM keeps serving", async () => {
        delete world.options.env![KIND_APP_SETTINGS.trafficConfig];

        const { failures } = await run("traffic", alert("errors"));

        expect(String(failures[0])).toContain(
          "App setting PERSONAS_TRAFFIC_CONFIG is not set, so the traffic responder knows no backend pools; web-1 keeps serving.",
        );
        expect(world.arm.network.poolsOf("web-1-nic")).toEqual([gatewayPool, lbPool].sort());
      });
    });

    describe("Isolate instance", () => {
      it("swaps the NIC's NSG for the quarantine NSG, tags the VM, keeps it running with its disks and notifies", async () => {
        const { results } = await run("isolate", alert("exfil"));

        const detail = `web-1 isolated: NSG ${webNsg} -> ${quarantine} on web-1-nic (recorded for release); tagged ${ISOLATED_TAG}; disks kept, VM running`;
        expect(results).toEqual([
          expect.objectContaining({ outcome: "acted", detail: `${detail}; notified` }),
        ]);
        expect(world.arm.network.nic("web-1-nic").properties.networkSecurityGroup).toEqual({
          id: quarantine,
        });
        // The pools are untouched: isolation is the NSG's business.
        expect(world.arm.network.poolsOf("web-1-nic")).toEqual([gatewayPool, lbPool].sort());
        expect(world.arm.vm("web-1").power).toBe("running");
        expect(world.arm.vm("web-1").tags[ISOLATED_TAG]).toBe("2027-01-15T10:00:00.000Z");
        expect(notices).toEqual([
          {
            url: "https://hooks.example.com/security",
            body: expect.objectContaining({ type: "personas.notify", fleet: FLEET, message: detail }),
          },
        ]);
        const record = await new TableStateStore(world.table).readDocument(
          "isolation",
          memberIdOf(memberVmId()),
        );
        expect(record?.value).toMatchObject({
          isolated: true,
          originalNetworkSecurityGroupId: webNsg,
          quarantineNetworkSecurityGroupId: quarantine,
        });
      });

      it("puts back exactly the recorded NSG on clear and removes the tag", async () => {
        await run("isolate", alert("exfil"));

        const { results } = await clear("isolate", "exfil", 31);

        expect(results).toEqual([
          expect.objectContaining({
            outcome: "acted",
            detail: `web-1 released: NSG ${quarantine} -> ${webNsg} on web-1-nic (as recorded 2027-01-15T10:00:00.000Z); ${ISOLATED_TAG} removed; notified`,
          }),
        ]);
        expect(world.arm.network.nic("web-1-nic").properties.networkSecurityGroup).toEqual({ id: webNsg });
        expect(world.arm.vm("web-1").tags[ISOLATED_TAG]).toBeUndefined();
      });

      it("puts back no NSG at all when the NIC had none", async () => {
        delete world.arm.network.nic("web-1-nic").properties.networkSecurityGroup;
        await run("isolate", alert("exfil"));

        await clear("isolate", "exfil", 31);

        expect(world.arm.network.nic("web-1-nic").properties.networkSecurityGroup).toBeUndefined();
      });

      it("changes nothing on a second isolate inside the cooldown", async () => {
        await run("isolate", alert("exfil"));
        world.clock.now += 10 * 60_000;
        world.arm.actions.length = 0;

        const second = await run("isolate", alert("exfil", { firedAt: "2027-01-15T10:10:00.000Z" }));

        expect(second.results).toEqual([expect.objectContaining({ outcome: "skipped", reason: "cooldown" })]);
        expect(world.arm.actions).toEqual([]);
        expect(world.arm.network.nic("web-1-nic").properties.networkSecurityGroup).toEqual({
          id: quarantine,
        });
        await clear("isolate", "exfil", 31);
        expect(world.arm.network.nic("web-1-nic").properties.networkSecurityGroup).toEqual({ id: webNsg });
      });

      it("isolates the last healthy VM of the fleet and says so in the audit record", async () => {
        world.arm.vm("web-2").power = "deallocated";

        const { results } = await run("isolate", alert("exfil"));

        expect(results).toEqual([
          expect.objectContaining({
            detail: expect.stringContaining(
              `; it was the last healthy VM of fleet ${FLEET}: the fleet has none left serving; notified`,
            ),
          }),
        ]);
        expect((await audit()).join("\n")).toContain("it was the last healthy VM of fleet web");
      });
    });
  },
);
