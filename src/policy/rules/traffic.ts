/**
 * Traffic and isolation targets: what `Drain traffic`, `Redirect traffic to <target>` and `Isolate
 * instance` act on must exist in the stack, or the responder fails at the worst moment (an incident).
 * The traffic responder's `TRAFFIC_CONFIG` names target groups and Route 53 weighted records, the
 * isolate responder's `ISOLATION_CONFIG` the quarantine security group (src/aws/traffic.ts); a
 * persona's redirect must name a target its fleet declares. Values not known yet (a preview of a new
 * stack) are not judged.
 */
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { fleetOf, indexStack, listOf, recordOf, stringOf } from "../stack.js";

/** The types the targets may have in the stack. */
const TARGET_TYPES = {
  targetGroups: ["aws:lb/targetGroup:TargetGroup", "aws:alb/targetGroup:TargetGroup"],
  record: "aws:route53/record:Record",
  securityGroup: "aws:ec2/securityGroup:SecurityGroup",
} as const;

/** A responder's JSON configuration variable, or undefined when absent, unknown or not JSON. */
function configOf(fn: PolicyResource, variable: string): Record<string, unknown> | undefined {
  const text = stringOf(recordOf(recordOf(fn.props.environment)?.variables)?.[variable]);
  if (text === undefined) return undefined;
  try {
    return recordOf(JSON.parse(text));
  } catch {
    return undefined;
  }
}

/** Route 53 stores names lower case with a trailing dot; people write them either way. */
const normalName = (name: unknown) => (stringOf(name) ?? "").toLowerCase().replace(/\.$/, "");

/** Checks whether the target groups, redirect records and quarantine groups of the fleets' traffic and isolate responders exist in the stack. */
export const trafficTargetsExist: StackValidationPolicy = {
  name: "persona-traffic-targets-exist",
  description:
    "Checks whether every target group, redirect target (Route 53 weighted record) and quarantine security group the traffic and isolate responders act on exists in the stack, and every persona's redirect target is declared.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const index = indexStack(args.resources);
    const of = (types: readonly string[]) => types.flatMap((t) => index.byType.get(t) ?? []);
    const targetGroupArns = new Set(of(TARGET_TYPES.targetGroups).map((r) => stringOf(r.props.arn)));
    const records = of([TARGET_TYPES.record]);
    const groupIds = new Set(of([TARGET_TYPES.securityGroup]).map((r) => stringOf(r.props.id)));
    const declaredTargets = new Map<string, Set<string>>();
    for (const fn of index.responderFunctions) {
      const fleet = fleetOf(fn.props)!;
      const traffic = configOf(fn, "TRAFFIC_CONFIG");
      if (traffic !== undefined) {
        const missing = (Array.isArray(traffic.targetGroupArns) ? traffic.targetGroupArns : [])
          .map(stringOf)
          .filter((arn): arn is string => arn !== undefined && !targetGroupArns.has(arn));
        if (missing.length > 0)
          reportViolation(
            `Function '${fn.name}' of fleet '${fleet}' must drain only target groups of this stack: ${listOf(missing)} ${missing.length === 1 ? "is" : "are"} not in it; pass the stack's target groups in traffic.targetGroupArns.`,
            fn.urn,
          );
        const targets = recordOf(traffic.targets) ?? {};
        declaredTargets.set(fleet, new Set(Object.keys(targets)));
        for (const [name, value] of Object.entries(targets)) {
          const target = recordOf(value) ?? {};
          const found = records.some(
            (r) =>
              stringOf(r.props.zoneId) === stringOf(target.hostedZoneId) &&
              normalName(r.props.name) === normalName(target.recordName) &&
              stringOf(r.props.type) === stringOf(target.recordType) &&
              stringOf(r.props.setIdentifier) === stringOf(target.setIdentifier),
          );
          if (!found)
            reportViolation(
              `Redirect target '${name}' of fleet '${fleet}' must be a Route 53 weighted record of this stack: no ${stringOf(target.recordType)} record ${stringOf(target.recordName)} with set identifier '${stringOf(target.setIdentifier)}' in zone ${stringOf(target.hostedZoneId)}; declare the record in this stack or correct traffic.targets.${name}.`,
              fn.urn,
            );
        }
      }
      const isolation = configOf(fn, "ISOLATION_CONFIG");
      const quarantine = stringOf(isolation?.quarantineGroupId);
      if (quarantine !== undefined && !groupIds.has(quarantine))
        reportViolation(
          `Function '${fn.name}' of fleet '${fleet}' must isolate into a security group of this stack: quarantine group ${quarantine} is not in it; create it in this stack (or let the fleet create it with isolation.vpcId).`,
          fn.urn,
        );
    }
    // A persona's redirect names a target its fleet's traffic responder declares.
    for (const [fleet, { resource, manifest }] of index.manifests) {
      const declared = declaredTargets.get(fleet);
      if (declared === undefined) continue; // no traffic responder with a known configuration
      const named = new Set<string>();
      for (const persona of Object.values(manifest.personas))
        for (const response of Object.values(persona.responses))
          for (const action of response.actions)
            if (action.kind === "drain-traffic" && action.target !== undefined) named.add(action.target);
      const undeclared = [...named].filter((t) => !declared.has(t)).sort();
      if (undeclared.length > 0)
        reportViolation(
          `Fleet '${fleet}' must declare every redirect target its personas name: ${listOf(undeclared.map((t) => `'${t}'`))} ${undeclared.length === 1 ? "is" : "are"} not in traffic.targets.`,
          resource.urn,
        );
    }
  },
};
