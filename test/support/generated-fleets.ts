/**
 * Generated fleets for the cloud-contract property test (test/aws/cloud-contract-property.test.ts):
 * random valid personas in seed notation (many triggers, clears, cooldowns, list and value feeds),
 * 1 to 3 personas per fleet, fleet names up to their 32-character limit, odd stack and member names.
 */
import fc from "fast-check";
import { PersonaFleet } from "../../src/aws/fleet.js";
import { parsePersona } from "../../src/pdl/parse.js";
import { FLEET_NAME_MAX_LENGTH } from "../../src/plan/names.js";
import type { PlanInput } from "../../src/plan/plan.js";
import { contentDigest } from "../../src/repository/digest.js";
import { WEB_ACL } from "../aws/support.js";

export const CHANNELS = ["ops-team", "api-oncall"] as const;

/** One trigger in seed notation: a condition on one of the catalog's metrics and an action. */
const trigger = fc
  .record({
    condition: fc.oneof(
      fc
        .tuple(fc.integer({ min: 50, max: 99 }), fc.integer({ min: 1, max: 30 }))
        .map(([t, m]) => `CPU Load > ${t}% for ${m} minutes`),
      fc
        .tuple(fc.integer({ min: 50, max: 99 }), fc.integer({ min: 1, max: 30 }))
        .map(([t, m]) => `Memory Utilization > ${t}% for ${m} minutes`),
      fc.integer({ min: 20, max: 2000 }).map((t) => `Network Latency > ${t}ms`),
      fc.integer({ min: 20, max: 2000 }).map((t) => `Network Latency > ${t}ms for 3 of 5 minutes`),
      fc
        .tuple(fc.integer({ min: 50, max: 99 }), fc.integer({ min: 1, max: 60 }))
        .map(([t, m]) => `Disk Utilization > ${t}% for ${m} minutes`),
      fc
        .tuple(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 15 }))
        .map(([t, m]) => `Error Rate > ${t}% for ${m} minutes`),
    ),
    action: fc.oneof(
      fc.constantFrom(2, 4, 8, 16, 32, 64).map((cpu) => `Scale up to ${cpu} cores`),
      fc.constantFrom(8, 16, 64, 128).map((gb) => `Scale up to ${gb} GB memory`),
      fc.constant("Activate CDN caching"),
      fc.constantFrom(...CHANNELS).map((c) => `"Notify ${c}: threshold crossed"`),
    ),
    cooldown: fc.option(fc.integer({ min: 1, max: 120 }), { nil: undefined }),
    clear: fc.option(fc.integer({ min: 5, max: 120 }), { nil: undefined }),
  })
  .map(({ condition, action, cooldown, clear }) =>
    [
      `    - Condition: ${condition}`,
      `      Action: ${action}`,
      ...(cooldown === undefined ? [] : [`      Cooldown: ${cooldown} minutes`]),
      // A clear reverts a scale or a feature; a notification has nothing to revert.
      ...(clear === undefined || action.startsWith('"Notify') ? [] : [`      Clear: after ${clear} minutes`]),
    ].join("\n"),
  );

const host = fc.stringMatching(/^[a-z][a-z0-9]{0,20}(?:-[a-z0-9]{1,12}){0,3}$/);

/** A list feed (firewall block or allow) or a value feed on a JSON threat level. */
const feed = fc.oneof(
  fc
    .record({
      host,
      path: fc.stringMatching(/^[a-z0-9_]{1,30}$/),
      minutes: fc.integer({ min: 1, max: 1440 }),
      mode: fc.constantFrom("block malicious IPs", "allow partner networks"),
    })
    .map(({ host, path, minutes, mode }) => ({
      kind: "list" as const,
      host,
      text: `    - URL: "https://${host}.example.com/${path}"\n      Frequency: ${minutes} minutes\n      Action: Update firewall rules to ${mode}`,
    })),
  fc
    .record({
      host,
      name: fc.stringMatching(/^[a-z][a-z0-9-]{0,30}[a-z0-9]$/),
      level: fc.integer({ min: 1, max: 9 }),
      channel: fc.constantFrom(...CHANNELS),
    })
    .map(({ host, name, level, channel }) => ({
      kind: "value" as const,
      host,
      text: `    - Name: ${name}\n      URL: "https://${host}.example.com/level.json"\n      Frequency: 5 minutes\n      Condition: "$.level >= ${level}"\n      Action: "Notify ${channel}: threat level ${level}"`,
    })),
);

export interface GeneratedPersona {
  text: string;
  triggers: number;
  listFeeds: number;
}

/** A valid persona in seed notation: name (up to 48 characters), size, software, triggers and feeds. */
const personaText = fc
  .record({
    name: fc.oneof(
      fc.stringMatching(/^[A-Z][A-Za-z0-9]{0,15}$/),
      fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{30,47}$/),
    ),
    version: fc.tuple(fc.nat(9), fc.nat(30), fc.nat(99)).map((v) => v.join(".")),
    cpu: fc.constantFrom(1, 2, 4, 8, 16),
    memory: fc.constantFrom(2, 4, 8, 16, 32, 64),
    software: fc.subarray(["Nginx (latest version)", "Redis (caching)", "Docker (latest version)"]),
    triggers: fc.array(trigger, { minLength: 1, maxLength: 7 }),
    feeds: fc.uniqueArray(feed, { maxLength: 3, selector: (f) => f.host }),
  })
  .map(({ name, version, cpu, memory, software, triggers, feeds }): GeneratedPersona => {
    const lines = [
      `Name: ${name}`,
      `Version: "${version}"`,
      "BaseConfiguration:",
      `    CPU: ${cpu} cores`,
      `    Memory: ${memory} GB`,
      ...(software.length === 0 ? [] : ["SoftwareStack:", ...software.map((s) => `    - ${s}`)]),
      "TelemetryTriggers:",
      ...triggers,
      ...(feeds.length === 0 ? [] : ["ExternalDataSources:", ...feeds.map((f) => f.text)]),
    ];
    return {
      text: `${lines.join("\n")}\n`,
      triggers: triggers.length,
      listFeeds: feeds.filter((f) => f.kind === "list").length,
    };
  });

/** A fleet: 1 to 3 personas over 1 to 5 members, a fleet name, a stack name and member names. */
export const fleet = fc.record({
  personas: fc.array(personaText, { minLength: 1, maxLength: 3 }),
  fleetName: fc.oneof(
    fc.stringMatching(/^[a-z](?:-?[a-z0-9]){0,9}$/),
    // At the limit: 32 characters, hyphens included.
    fc
      .stringMatching(/^[a-z](?:-?[a-z0-9]){40,60}$/)
      .map((n) => n.slice(0, FLEET_NAME_MAX_LENGTH).replace(/-$/, "x")),
  ),
  stack: fc.oneof(
    fc.constantFrom("dev", "prod", "plan"),
    // Pulumi stack names: letters, digits, '-', '_' and '.', up to 100 characters.
    fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{20,99}$/),
    fc.stringMatching(/^[A-Za-z0-9._-]{1,12}$/),
  ),
  members: fc.uniqueArray(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/), {
    minLength: 1,
    maxLength: 5,
    comparator: (a, b) => a.toLowerCase() === b.toLowerCase(),
  }),
});
export type GeneratedFleet = typeof fleet extends fc.Arbitrary<infer T> ? T : never;

function inputOf(persona: GeneratedPersona): PlanInput {
  const parsed = parsePersona(persona.text, { file: "generated.yaml" });
  return {
    persona: parsed,
    ref: { name: parsed.name, version: parsed.version ?? "0.0.0", digest: contentDigest(parsed) },
  };
}

let programs = 0;

export function fleetProgram(generated: GeneratedFleet): () => void {
  const inputs = generated.personas.map(inputOf);
  // Each generated fleet is a program of its own: web ACL rule priorities are claimed per program and
  // web ACL, so fleets of different runs must not meet in one ACL.
  const webAclArn = WEB_ACL.replace("/webacl/edge/", `/webacl/edge-${++programs}/`);
  return () => {
    new PersonaFleet("fleet", {
      fleetName: generated.fleetName,
      ami: { arm64: "ami-0aaaaaaaaaaaaaaaa", x86_64: "ami-0bbbbbbbbbbbbbbbb" },
      instances: generated.members.map((name, i) => ({ name, persona: inputs[i % inputs.length]! })),
      firewall: { webAclArn },
      agent: { logFiles: [{ name: "nginx", path: "/var/log/nginx/access.log", errorPattern: '" 5\\d\\d ' }] },
      notifications: Object.fromEntries(
        CHANNELS.map((c) => [c, `arn:aws:sns:us-east-1:123456789012:${c}`] as const),
      ),
    });
  };
}
