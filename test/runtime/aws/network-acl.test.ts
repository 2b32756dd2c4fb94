/**
 * The firewall responder enforcing a list feed with network ACL rules, on aws-sdk-client-mock: a
 * fake ACL keeps its entries, and the rules in force after each run are asserted.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import {
  CreateNetworkAclEntryCommand,
  DeleteNetworkAclEntryCommand,
  DescribeNetworkAclsCommand,
  type NetworkAclEntry,
  ReplaceNetworkAclEntryCommand,
} from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createFirewallResponder } from "../../../src/runtime/aws/firewall.js";
import { installMocks, TEST_ENV, testManifest } from "./support.js";

const ACL = "acl-0123456789abcdef0";
const manifest = testManifest();
const mocks = installMocks(manifest);
let body = "";
const server = createServer((_req, res) => res.writeHead(200, { "Content-Type": "text/plain" }).end(body));

/** The ACL's entries by rule number (ingress only), with a default rule the feed does not own. */
let entries: Map<number, NetworkAclEntry>;
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  manifest.feeds["WebBase-drop"] = {
    kind: "list",
    persona: "WebBase",
    sourceId: "drop",
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/drop.txt`,
    limits: { timeoutSeconds: 5, maxBytes: 65536 },
    responseId: "block",
    format: { type: "plain" },
    mode: "block",
    maxShrinkPercent: 50,
    enforcement: "network-acl",
  };
});
afterAll(() => {
  mocks.restore();
  server.close();
});
beforeEach(() => {
  mocks.reset();
  entries = new Map([
    [32767, { RuleNumber: 32767, Egress: false, CidrBlock: "0.0.0.0/0", RuleAction: "deny" }],
  ]);
  mocks.ec2.on(DescribeNetworkAclsCommand).callsFake(async () => ({
    NetworkAcls: [{ NetworkAclId: ACL, Entries: [...entries.values()] }],
  }));
  const put = async (input: NetworkAclEntry) => {
    entries.set(input.RuleNumber!, { ...input });
    return {};
  };
  mocks.ec2.on(CreateNetworkAclEntryCommand).callsFake(put);
  mocks.ec2.on(ReplaceNetworkAclEntryCommand).callsFake(put);
  mocks.ec2.on(DeleteNetworkAclEntryCommand).callsFake(async (input) => {
    entries.delete(input.RuleNumber!);
    return {};
  });
});

const handler = () =>
  createFirewallResponder({
    env: {
      ...TEST_ENV,
      NETWORK_ACL_RULES: JSON.stringify({
        "WebBase-drop": { networkAclId: ACL, firstRuleNumber: 100, maxEntries: 4 },
      }),
    },
    logSink: () => {},
    sleep: async () => {},
    fetcher: { unsafeTestAllowances: { allowLoopback: true, allowHttp: true } },
  });
let minute = 0;
const tick = () => ({
  source: "personas.feed",
  fleet: "web",
  feedId: "WebBase-drop",
  scheduledTime: `2025-01-09T12:${String(minute++).padStart(2, "0")}:00Z`,
});
/** The rules the feed owns: [rule number, action, CIDR]. */
const rules = () =>
  [...entries.values()]
    .filter((e) => e.RuleNumber! < 32767)
    .sort((a, b) => a.RuleNumber! - b.RuleNumber!)
    .map((e) => [e.RuleNumber, e.RuleAction, e.CidrBlock ?? e.Ipv6CidrBlock]);

describe("firewall responder with network ACL rules", () => {
  it("writes the aggregated list as deny rules from the first rule number, then shrinks it in place", async () => {
    // Prepare: two adjacent /25s aggregate into one /24
    body = "203.0.113.0/25\n203.0.113.128/25\n198.51.100.7\n2001:db8::/32\n";

    // Act
    const first = await handler()(tick());

    // Assess
    expect(first).toMatchObject({
      feedId: "WebBase-drop",
      outcome: "replaced",
      entries: { ipv4: 2, ipv6: 1 },
    });
    expect(rules()).toEqual([
      [100, "deny", "198.51.100.7/32"],
      [101, "deny", "203.0.113.0/24"],
      [102, "deny", "2001:db8::/32"],
    ]);

    // Act: one entry goes, within the allowed shrink
    body = "203.0.113.0/24\n2001:db8::/32\n";
    const second = await handler()(tick());

    // Assess: rules renumbered from 100, the extra one deleted, the default rule untouched
    expect(second).toMatchObject({ outcome: "replaced", entries: { ipv4: 1, ipv6: 1 } });
    expect(rules()).toEqual([
      [100, "deny", "203.0.113.0/24"],
      [101, "deny", "2001:db8::/32"],
    ]);
    expect(entries.get(32767)).toEqual({
      RuleNumber: 32767,
      Egress: false,
      CidrBlock: "0.0.0.0/0",
      RuleAction: "deny",
    });
  });

  it("keeps the rules in force when the list outgrows the rules the feed owns", async () => {
    // Prepare
    body = "192.0.2.1\n";
    await handler()(tick());
    body = ["192.0.2.1", "192.0.2.3", "192.0.2.5", "192.0.2.7", "192.0.2.9"].join("\n");

    // Act
    const result = await handler()(tick());

    // Assess
    expect(result).toEqual({
      feedId: "WebBase-drop",
      outcome: "kept",
      reason: "over-limit",
      // the feeds module's per-version limit (the owned rules) refuses it first
      detail:
        "The IPv4 list has 5 entries after aggregation, above the limit of 4 per IP set; nothing was dropped and the list was not applied. Enable widening to cover it with broader prefixes, or use a smaller feed. Keeping the last good list of 1 entries.",
      entries: { ipv4: 1, ipv6: 0 },
    });
    expect(rules()).toEqual([[100, "deny", "192.0.2.1/32"]]);
  });

  it("keeps the rules in force when both IP versions together outgrow the rules the feed owns", async () => {
    // Prepare: 3 IPv4 and 2 IPv6 entries, each version within 4, together 5
    body = "192.0.2.1\n";
    await handler()(tick());
    body = ["192.0.2.1", "192.0.2.3", "192.0.2.5", "2001:db8::1", "2001:db8::3"].join("\n");

    // Act
    const result = await handler()(tick());

    // Assess
    expect(result).toEqual({
      feedId: "WebBase-drop",
      outcome: "kept",
      reason: "over-limit",
      detail:
        "The feed has 5 entries after aggregation; the network ACL takes at most 4. Keeping the list in force of 1 entries; enforce this feed with a WAF IP set instead.",
      entries: { ipv4: 1, ipv6: 0 },
    });
    expect(rules()).toEqual([[100, "deny", "192.0.2.1/32"]]);
  });
});
