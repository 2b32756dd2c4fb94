/**
 * What `personas plan <persona file>` passes a fleet for the things a Pulumi program would: SNS
 * topics (or webhook URLs) for `Notify`, function URLs for `Invoke`, target groups and redirect
 * records (AWS) or a backend pool and Front Door origins (Azure) for the traffic actions, a
 * quarantine security group (AWS) or network security group (Azure) for `Isolate`. Each is a placeholder in the
 * cloud's own format (so the cloud-contract check still applies) and the plan says which it used,
 * as it does for the web ACL.
 */
import type { Action } from "../pdl/actions/index.js";
import type { Persona } from "../pdl/model.js";

/** The account and Region of every placeholder ARN. */
const ACCOUNT = "123456789012";
const REGION = "us-east-1";

/** Placeholders for the persona's targets, and one line per placeholder for the plan's notes. */
export interface OfflineTargets {
  notifications: Record<string, string>;
  invokeTargets: Record<string, string>;
  /** AWS only: set when a persona drains, restores or redirects traffic. */
  traffic?: {
    targetGroupArns: string[];
    targets: Record<
      string,
      { hostedZoneId: string; recordName: string; recordType: "A"; setIdentifier: string; weight: number }
    >;
  };
  /** AWS only: set when a persona isolates an instance. */
  isolation?: { securityGroupId: string };
  /** Azure only: set when a persona drains, restores or redirects traffic (`AzureTrafficSettings`). */
  azureTraffic?: {
    loadBalancers: { id: string; backendPoolNames: string[] }[];
    targets: Record<string, { originId: string; weight: number }>;
  };
  /** Azure only: set when a persona isolates a VM (`AzureIsolationSettings`). */
  azureIsolation?: { networkSecurityGroupId: string };
  lines: string[];
}

/** Every action the persona can run: its responses' and its clear actions. */
function actionsOf(persona: Persona): Action[] {
  return [
    ...persona.responses.flatMap((r) => r.actions),
    ...persona.triggers.flatMap((t) => t.clear?.actions ?? []),
  ] as Action[];
}

/**
 * Placeholders for every target `persona` names, on `cloud`.
 *
 * @example
 * ```ts
 * offlineTargetsOf(persona, "aws").notifications; // { "security-team": "arn:aws:sns:us-east-1:123456789012:security-team" }
 * ```
 */
export function offlineTargetsOf(persona: Persona, cloud: "aws" | "azure"): OfflineTargets {
  const actions = actionsOf(persona);
  const targets: OfflineTargets = { notifications: {}, invokeTargets: {}, lines: [] };
  for (const action of actions) {
    if (action.kind === "notify" && targets.notifications[action.target] === undefined) {
      targets.notifications[action.target] =
        cloud === "aws"
          ? `arn:aws:sns:${REGION}:${ACCOUNT}:${action.target.replace(/[^\w-]/g, "-").slice(0, 256)}`
          : `https://offline-plan.example.com/notify/${encodeURIComponent(action.target)}`;
    }
    if (action.kind === "invoke-function" && targets.invokeTargets[action.function] === undefined)
      targets.invokeTargets[action.function] =
        `https://offline-plan.example.com/invoke/${encodeURIComponent(action.function)}`;
  }
  for (const [channel, value] of Object.entries(targets.notifications))
    targets.lines.push(`  Notify ${channel}: ${value}`);
  if (cloud === "azure")
    for (const [name, url] of Object.entries(targets.invokeTargets))
      targets.lines.push(`  Invoke ${name}: ${url}`);
  if (cloud === "aws") {
    const drains = actions.filter((a) => a.kind === "drain-traffic");
    if (drains.length > 0 || actions.some((a) => a.kind === "restore-traffic")) {
      const group = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:targetgroup/offline-plan/0000000000000000`;
      targets.traffic = { targetGroupArns: [group], targets: {} };
      targets.lines.push(`  Drain/restore traffic: target group ${group}`);
      for (const name of new Set(drains.flatMap((a) => (a.target === undefined ? [] : [a.target])))) {
        targets.traffic.targets[name] = {
          hostedZoneId: "Z0000000000000OFFLINE",
          recordName: `${name}.offline-plan.example.com`,
          recordType: "A",
          setIdentifier: name,
          weight: 0,
        };
        targets.lines.push(`  Redirect traffic to ${name}: weighted record ${name}.offline-plan.example.com`);
      }
    }
    if (actions.some((a) => a.kind === "isolate-instance" || a.kind === "release-isolation")) {
      targets.isolation = { securityGroupId: "sg-0000000000000000f" };
      targets.lines.push("  Isolate instance: quarantine security group sg-0000000000000000f");
    }
  }
  if (cloud === "azure") {
    const group = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/offline/providers";
    const drains = actions.filter((a) => a.kind === "drain-traffic");
    if (drains.length > 0 || actions.some((a) => a.kind === "restore-traffic")) {
      const lb = `${group}/Microsoft.Network/loadBalancers/offline-plan`;
      targets.azureTraffic = { loadBalancers: [{ id: lb, backendPoolNames: ["offline-plan"] }], targets: {} };
      targets.lines.push(
        `  Drain/restore traffic: load balancer backend pool ${lb}/backendAddressPools/offline-plan`,
      );
      for (const name of new Set(drains.flatMap((a) => (a.target === undefined ? [] : [a.target])))) {
        const originId = `${group}/Microsoft.Cdn/profiles/offline-plan/originGroups/offline-plan/origins/${name}`;
        targets.azureTraffic.targets[name] = { originId, weight: 1000 };
        targets.lines.push(`  Redirect traffic to ${name}: Front Door origin ${originId}`);
      }
    }
    if (actions.some((a) => a.kind === "isolate-instance" || a.kind === "release-isolation")) {
      const nsg = `${group}/Microsoft.Network/networkSecurityGroups/offline-quarantine`;
      targets.azureIsolation = { networkSecurityGroupId: nsg };
      targets.lines.push(`  Isolate instance: quarantine network security group ${nsg}`);
    }
  }
  if (targets.lines.length > 0)
    targets.lines.unshift(
      "",
      "Placeholders for what a Pulumi program passes (offline plan of a persona file):",
    );
  return targets;
}
