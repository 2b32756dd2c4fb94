import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parsePersona } from "../../../src/pdl/parse.js";
import { planFleet } from "../../../src/plan/plan.js";
import { contentDigest } from "../../../src/repository/digest.js";
import { createFeedsTimer } from "../../../src/runtime/azure/feeds.js";
import { feedRuleName } from "../../../src/runtime/azure/nsg.js";
import { type NsgRule, nsgResourceId } from "../../support/arm-double.js";
import { noAzurite } from "../../support/azurite.js";
import { type FeedServer, startFeedServer } from "../feeds/feed-server.js";
import { type AzureWorld, invocation, seedWorld, timerTick } from "./support.js";

/** The seed's threat feed, served from loopback. */
function feedPersona(url: string) {
  return `Name: HighTraffic
Version: "1.3.0"
BaseConfiguration:
    CPU: 8 cores
    Memory: 32 GB
ExternalDataSources:
    - URL: "${url}"
      Frequency: 5 minutes
      Action: Update firewall rules to block malicious IPs
`;
}

describe.skipIf(noAzurite)("Azure feeds timer: NSG deny rules, last good list", () => {
  let server: FeedServer;
  let world: AzureWorld;
  let nsgId: string;
  let feedId: string;

  beforeAll(async () => {
    server = await startFeedServer();
  });
  afterAll(async () => server?.close());

  async function worldFor(path: string, maxRules = 4) {
    const origin = server.httpsOrigin ?? server.httpOrigin;
    const persona = parsePersona(feedPersona(`${origin}${path}`), { file: "HighTraffic.yaml" });
    const plan = planFleet(
      "web",
      [
        {
          key: "web-1",
          resolved: {
            persona,
            ref: { name: persona.name, version: "1.3.0", digest: contentDigest(persona) },
            size: { cloud: "azure", name: "Standard_D8s_v5" },
          },
        },
      ],
      { networkAcl: true },
      { alarms: "per-instance" },
    );
    feedId = plan.feeds[0]!.id;
    nsgId = nsgResourceId("nsg-web");
    const nsg = { networkSecurityGroupId: nsgId, firstPriority: 200, maxRules, maxPrefixes: 4000 };
    world = await seedWorld(plan, { [feedId]: { azure: { nsg } } });
    world.arm.addNsg("nsg-web");
  }

  const timer = () =>
    createFeedsTimer({
      ...world.options,
      fetcher: {
        unsafeTestAllowances: {
          allowLoopback: true,
          allowHttp: server.httpsOrigin === undefined,
          ...(server.cert ? { ca: server.cert } : {}),
        },
      },
    });

  const prefixes = (rules: NsgRule[]) => rules.flatMap((r) => r.properties.sourceAddressPrefixes ?? []);

  beforeEach(async () => {
    await worldFor("/plain.txt");
  });

  it("writes the feed as NSG deny rules in its priority range, one IP version per rule", async () => {
    const [result] = await timer()(timerTick(), invocation("feeds"));

    expect(result).toEqual(expect.objectContaining({ feedId, outcome: "replaced", entries: 41 }));
    const rules = world.arm.nsgRules(nsgId);
    expect(rules.map((r) => [r.name, r.properties.priority, r.properties.access])).toEqual([
      [feedRuleName(feedId, 0), 200, "Deny"],
      [feedRuleName(feedId, 1), 201, "Deny"],
      [feedRuleName(feedId, 2), 202, "Deny"],
      [feedRuleName(feedId, 3), 203, "Deny"],
    ]);
    // 40 IPv4 addresses in three rules of at most 14, the IPv6 prefix in a rule of its own.
    expect(rules.map((r) => r.properties.sourceAddressPrefixes!.length)).toEqual([14, 14, 12, 1]);
    expect(prefixes(rules)).toContain("2a0b:f4c0:bad::/48");
    for (const rule of rules) {
      const families = new Set(rule.properties.sourceAddressPrefixes!.map((p) => p.includes(":")));
      expect(families.size).toBe(1);
    }
  });

  it("keeps the last good list when the feed fails: no rule is written or deleted", async () => {
    await timer()(timerTick(), invocation("feeds"));
    const before = world.arm.nsgRules(nsgId);
    world.arm.actions.length = 0;
    await server.close();
    world.clock.now += 5 * 60_000;

    const [result] = await timer()(timerTick(), invocation("feeds"));
    server = await startFeedServer();

    expect(result).toEqual(
      expect.objectContaining({ feedId, outcome: "kept", reason: "fetch-failed", entries: 41 }),
    );
    expect(world.arm.actions).toEqual([]);
    expect(world.arm.nsgRules(nsgId)).toEqual(before);
    expect(world.logs).toContainEqual(
      expect.objectContaining({ FeedListKept: 1, Reason: "fetch-failed", level: "warn" }),
    );
  });

  it("runs a feed once per period however often the timer fires", async () => {
    const first = await timer()(timerTick(), invocation("feeds"));
    const again = await timer()(timerTick(), invocation("feeds"));

    expect(first.map((r) => r.outcome)).toEqual(["replaced"]);
    expect(again.map((r) => [r.outcome, r.reason])).toEqual([["not-due", "duplicate"]]);
  });

  it("refuses to write when a rule of someone else sits in the feed's priority range", async () => {
    await world.arm.fetch(
      `https://management.azure.com${nsgId}/securityRules/allow-ssh?api-version=2024-05-01`,
      {
        method: "PUT",
        headers: { authorization: "Bearer test" },
        body: JSON.stringify({
          properties: {
            priority: 201,
            direction: "Inbound",
            access: "Allow",
            protocol: "Tcp",
            sourceAddressPrefixes: ["10.0.0.0/8"],
          },
        }),
      },
    );
    world.arm.actions.length = 0;

    const [result] = await timer()(timerTick(), invocation("feeds"));

    expect(result?.outcome).toBe("failed");
    expect(result?.detail).toBe(
      `Network security group ${nsgId} has rule(s) allow-ssh (priority 201) in the priorities 200-203 that feed '${feedId}' owns; nothing was written. Move those rules or give the feed another range.`,
    );
    expect(world.arm.actions).toEqual([]);
  });
});
