/**
 * Feeds end to end through the firewall handler: a loopback server serves realistic feeds and
 * hostile answers, the handler runs against moto's WAF and DynamoDB, and the blocklist in the IP
 * sets is asserted after every run. A hostile feed must never change it.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { CreateVpcCommand, EC2Client } from "@aws-sdk/client-ec2";
import { S3Client } from "@aws-sdk/client-s3";
import { CreateIPSetCommand, GetIPSetCommand, WAFV2Client } from "@aws-sdk/client-wafv2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FleetManifest } from "../../../src/plan/manifest.js";
import { createFirewallResponder, type FirewallResult } from "../../../src/runtime/aws/firewall.js";
import { motoClientConfig, noMoto, resetMoto } from "../../support/moto.js";
import { type FeedServer, startFeedServer } from "../feeds/feed-server.js";
import { createStateTable, FLEET_BUCKET, putFleetStore, storeObjects, testMembers } from "./support.js";

const TABLE = "web-state";
const PLAIN_V4 = Array.from({ length: 40 }, (_, i) => `185.220.101.${i * 2}/32`).sort();

describe.skipIf(noMoto)("firewall responder with feeds", () => {
  const config = motoClientConfig();
  const waf = new WAFV2Client(config);
  let server: FeedServer;
  let origin: string;
  const sets: Record<string, { name: string; id: string }> = {};

  function manifest(): FleetManifest {
    const feed = (
      path: string,
      format: Record<string, unknown> = { type: "plain" },
      limits = { timeoutSeconds: 5, maxBytes: 1024 * 1024 },
      maxShrinkPercent = 50,
    ) => ({
      kind: "list" as const,
      persona: "WebBase",
      sourceId: path,
      url: path.startsWith("http") ? path : `${origin}${path}`,
      limits,
      responseId: "block",
      format: format as never,
      mode: "block" as const,
      maxShrinkPercent,
      enforcement: "waf-ip-set" as const,
    });
    return {
      version: 1,
      fleet: "web",
      personas: {},
      feeds: {
        drop: feed("/drop.txt", { type: "spamhaus-drop" }),
        // Replacing another feed's list in the shared sets drops all of its addresses: allowed here.
        plain: feed("/plain.txt", { type: "plain" }, undefined, 100),
        empty: feed("/empty.txt"),
        garbage: feed("/garbage.txt"),
        truncated: feed("/truncated.txt"),
        huge: feed("/huge.txt"),
        slow: feed("/slow.txt", { type: "plain" }, { timeoutSeconds: 1, maxBytes: 1024 * 1024 }),
        metadata: feed("/redirect-metadata"),
        http: feed(`${server.httpOrigin}/plain.txt`),
        shrunk: feed("/shrunk.txt"),
        csv: feed("/feodo.csv", { type: "csv", column: "dst_ip" }),
        json: feed("/data.json", { type: "json", path: "$.data[*].ip" }, undefined, 100),
        everything: feed("/everything.txt"),
        "own-vpc": feed("/own-vpc.txt"),
      },
    };
  }

  beforeAll(async () => {
    server = await startFeedServer();
    // https with the test certificate when openssl is available, else plain http allowed for the test.
    origin = server.httpsOrigin ?? server.httpOrigin;
    await resetMoto();
    await createStateTable(new DynamoDBClient(config), TABLE);
    for (const [name, version] of [
      ["shared-v4", "IPV4"],
      ["shared-v6", "IPV6"],
      ["csv-v4", "IPV4"],
      ["csv-v6", "IPV6"],
      ["hostile-v4", "IPV4"],
      ["hostile-v6", "IPV6"],
    ] as const) {
      const created = await waf.send(
        new CreateIPSetCommand({ Name: name, Scope: "REGIONAL", IPAddressVersion: version, Addresses: [] }),
      );
      sets[name] = { name, id: created.Summary!.Id! };
    }
    // Where each feed is enforced lives in its fleet store entry, as the components write it.
    const pair = (v4: string, v6: string) => ({
      waf: { scope: "REGIONAL" as const, ipv4: sets[v4], ipv6: sets[v6] },
    });
    const enforcement = Object.fromEntries(
      Object.keys(manifest().feeds).map((id) => [
        id,
        id === "csv" || id === "json"
          ? pair("csv-v4", "csv-v6")
          : id === "everything" || id === "own-vpc"
            ? pair("hostile-v4", "hostile-v6")
            : pair("shared-v4", "shared-v6"),
      ]),
    );
    await putFleetStore(new S3Client(config), storeObjects(manifest(), testMembers(), enforcement));
  });
  afterAll(async () => server?.close());

  function handler(allowances = true, logSink: (line: string) => void = () => {}) {
    return createFirewallResponder({
      env: {
        FLEET_BUCKET,
        STATE_TABLE: TABLE,
        FLEET_NAME: "web",
        WAF_WRITE_INTERVAL_MS: "0",
      },
      clientConfig: config,
      logSink,
      fetcher: allowances
        ? {
            unsafeTestAllowances: {
              allowLoopback: true,
              allowHttp: server.httpsOrigin === undefined,
              ...(server.cert ? { ca: server.cert } : {}),
            },
          }
        : {},
    });
  }

  let tickNumber = 0;
  const run = (h: ReturnType<typeof handler>, feedId: string): Promise<FirewallResult> =>
    h({
      source: "personas.feed",
      fleet: "web",
      feedId,
      scheduledTime: `2025-01-09T12:${String(tickNumber++).padStart(2, "0")}:00Z`,
    });

  async function blocklist(v4 = "shared-v4", v6 = "shared-v6") {
    const read = async (ref: { name: string; id: string } | undefined) =>
      (
        (await waf.send(new GetIPSetCommand({ Name: ref!.name, Id: ref!.id, Scope: "REGIONAL" }))).IPSet
          ?.Addresses ?? []
      )
        .slice()
        .sort();
    return { ipv4: await read(sets[v4]), ipv6: await read(sets[v6]) };
  }

  it("applies a feed, grows it, and keeps the last good list through every hostile answer", async () => {
    const h = handler();
    expect(await run(h, "drop")).toMatchObject({
      outcome: "replaced",
      reason: "first-list",
      entries: { ipv4: 2, ipv6: 1 },
    });
    expect(await blocklist()).toEqual({ ipv4: ["1.10.16.0/20", "1.19.0.0/16"], ipv6: ["2a06:e480::/29"] });

    expect(await run(h, "plain")).toMatchObject({
      outcome: "replaced",
      reason: "updated",
      entries: { ipv4: 40, ipv6: 1 },
    });
    const good = { ipv4: PLAIN_V4, ipv6: ["2a0b:f4c0:bad::/48"] };
    expect(await blocklist()).toEqual(good);

    const hostile: [string, string][] = [
      ["plain", "not-modified"],
      ["empty", "empty"],
      ["garbage", "mostly-rejected"],
      ["truncated", "fetch-failed"],
      ["huge", "fetch-failed"],
      ["slow", "fetch-failed"],
      ["metadata", "fetch-failed"],
      ["shrunk", "shrunk-too-much"],
    ];
    for (const [feedId, reason] of hostile) {
      expect(await run(h, feedId), feedId).toMatchObject({ outcome: "kept", reason });
      expect(await blocklist(), feedId).toEqual(good);
    }
  });

  it("refuses loopback and plain http in the deployed configuration and keeps the list", async () => {
    const deployed = handler(false);
    const before = await blocklist();
    for (const feedId of ["plain", "http"]) {
      const result = await run(deployed, feedId);
      expect(result, feedId).toMatchObject({ outcome: "kept", reason: "fetch-failed" });
      expect(await blocklist(), feedId).toEqual(before);
    }
  });

  it("reads CSV columns and JSON paths into their own sets", async () => {
    const h = handler();
    expect(await run(h, "csv")).toMatchObject({ outcome: "replaced", reason: "first-list" });
    expect(await blocklist("csv-v4", "csv-v6")).toEqual({
      ipv4: ["185.117.90.142/32", "67.213.75.205/32"],
      ipv6: [],
    });
    expect(await run(h, "json")).toMatchObject({ outcome: "replaced", reason: "updated" });
    expect(await blocklist("csv-v4", "csv-v6")).toEqual({
      ipv4: ["185.220.100.44/32"],
      ipv6: ["2a0b:f4c0::dead:beef/128"],
    });
  });

  it("never blocks the account's own VPC, and keeps the last good list against a feed of 0.0.0.0/0 and ::/0", async () => {
    // Prepare: a VPC with a public range (BYOIP-style); the feed lists part of it next to two real entries.
    await new EC2Client(config).send(new CreateVpcCommand({ CidrBlock: "45.60.0.0/16" }));
    const lines: Record<string, unknown>[] = [];
    const h = handler(true, (line) => lines.push(JSON.parse(line)));

    // Act: the first list, with the own-VPC entry refused
    const first = await run(h, "own-vpc");

    // Assess
    expect(first).toMatchObject({ outcome: "replaced", reason: "first-list", entries: { ipv4: 2, ipv6: 0 } });
    const applied = { ipv4: ["185.220.101.11/32", "185.220.101.9/32"], ipv6: [] };
    expect(await blocklist("hostile-v4", "hostile-v6")).toEqual(applied);
    expect(lines.find((l) => l.FeedEntriesRefused !== undefined)).toMatchObject({
      FeedEntriesRefused: 1,
      refused: { "too-wide": 0, "special-purpose": 0, "own-network": 1 },
      refusedSamples: [
        {
          cidr: "45.60.1.0/24",
          reason: "own-network",
          detail: "overlaps the account's own network (a VPC CIDR block)",
        },
      ],
    });

    // Act: the whole internet (WAF would refuse a /0 anyway; a block of /1s would block everyone)
    lines.length = 0;
    const everything = await run(h, "everything");

    // Assess: nothing changed, and the kept list raised FeedListKept with the reason
    expect(everything).toMatchObject({
      outcome: "kept",
      reason: "unsafe-entries",
      entries: { ipv4: 2, ipv6: 0 },
    });
    expect(await blocklist("hostile-v4", "hostile-v6")).toEqual(applied);
    const kept = lines.find((l) => l.FeedListKept !== undefined);
    expect(kept).toMatchObject({
      level: "warn",
      FeedListKept: 1,
      Reason: "unsafe-entries",
      FeedEntriesRefused: 2,
      refused: { "too-wide": 2, "special-purpose": 0, "own-network": 0 },
      message:
        "2 of 2 feed entries were refused as unsafe for a firewall (wider than the minimum prefix, special-purpose or the account's own network; more than 50%); keeping the last good list of 2 entries.",
    });
  });

  it("rejects a tick for a feed the manifest does not have, a malformed tick, and another fleet's tick", async () => {
    const h = handler();
    await expect(run(h, "nope")).rejects.toThrow(
      `The fleet store ${FLEET_BUCKET} has no feed 'nope'; the schedule belongs to a feed this fleet no longer deploys. Run \`pulumi up\`.`,
    );
    await expect(h({ source: "personas.feed", feedId: "plain" })).rejects.toThrow(
      "Rejected an event that is not a valid feed schedule event (fleet: Invalid input: expected string, received undefined); nothing was done.",
    );
    await expect(h({ source: "personas.feed", fleet: "batch", feedId: "plain" })).rejects.toThrow(
      "Rejected a schedule of fleet 'batch': this function serves fleet 'web'; nothing was done.",
    );
  });
});
