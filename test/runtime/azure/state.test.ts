import { beforeEach, describe, expect, it } from "vitest";
import {
  hasForbiddenKeyCharacter,
  TableStateStore,
  tableKey,
  untableKey,
} from "../../../src/runtime/azure/state.js";
import {
  parseConnectionString,
  StorageRestClient,
  TableRest,
} from "../../../src/runtime/azure/storage-rest.js";
import type { GuardRequest } from "../../../src/runtime/decide.js";
import { vmResourceId } from "../../support/arm-double.js";
import { azuriteConnectionString, noAzurite, uniqueName } from "../../support/azurite.js";

const VM = vmResourceId("web-1");

function request(overrides: Partial<GuardRequest> = {}): GuardRequest {
  return {
    now: 1_800_000_000_000,
    responseId: "cpu-high",
    intent: "activate",
    transitionId: "alert-1@Fired@2027-01-15T10:00:00Z",
    cooldownSeconds: 300,
    maxActionsPerHour: 6,
    ...overrides,
  };
}

describe("tableKey", () => {
  it("never lets a character Table Storage refuses in keys through, and reads back", () => {
    const texts = [VM, "a#b?c\\d/e", "tab\there\u0001\u007f\u0090", "Ünïcode ☃", ""];
    expect(texts.map(hasForbiddenKeyCharacter)).toEqual([true, true, true, false, false]);
    for (const text of texts) {
      expect(hasForbiddenKeyCharacter(tableKey(text))).toBe(false);
      expect(untableKey(tableKey(text))).toBe(text);
    }
  });

  it("gives different texts different keys, and a long text a bounded one", () => {
    expect(tableKey("a/b")).not.toBe(tableKey("a:2Fb"));
    expect(tableKey("x".repeat(2000))).toMatch(/^~[0-9a-f]{64}$/);
  });
});

describe.skipIf(noAzurite)("TableStateStore against Azurite", () => {
  let table: TableRest;
  let now = 1_800_000_000_000;
  let store: TableStateStore;

  beforeEach(async () => {
    const { endpoints, credential } = parseConnectionString(azuriteConnectionString());
    table = new TableRest(new StorageRestClient(endpoints, credential), uniqueName("state"));
    await table.createTable();
    now = 1_800_000_000_000;
    store = new TableStateStore(table, () => now);
  });

  it("acts once per transition: a redelivery is a duplicate", async () => {
    const first = await store.begin({ subject: VM, kind: "scale" }, request(), 900, "a");
    expect(first.act).toBe(true);
    if (first.act) await store.finish(first.lease, true);
    const again = await store.begin({ subject: VM, kind: "scale" }, request({ now: now + 1000 }), 900, "b");
    expect(again).toEqual({
      act: false,
      reason: "duplicate",
      detail: `transition ${request().transitionId} was already handled`,
    });
  });

  it("lets exactly one of many concurrent invocations take the lock (ETag 412 / insert 409 races)", async () => {
    const attempts = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        store.begin({ subject: VM, kind: "scale" }, request({ transitionId: `t-${i}` }), 900, `holder-${i}`),
      ),
    );
    expect(attempts.filter((a) => a.act)).toHaveLength(1);
    expect(attempts.filter((a) => !a.act).map((a) => (a.act ? "" : a.reason))).toEqual(
      Array(5).fill("locked"),
    );
  });

  it("applies the cooldown after an action and never blocks a clear", async () => {
    const first = await store.begin({ subject: VM, kind: "scale" }, request(), 900, "a");
    if (!first.act) throw new Error("expected to act");
    await store.finish(first.lease, true);
    const soon = await store.begin(
      { subject: VM, kind: "scale" },
      request({ now: now + 60_000, transitionId: "t2" }),
      900,
      "b",
    );
    expect(soon.act ? "acted" : soon.reason).toBe("cooldown");
    const clear = await store.begin(
      { subject: VM, kind: "scale" },
      request({ now: now + 60_000, transitionId: "t3", intent: "clear", responseId: "cpu-high" }),
      900,
      "c",
    );
    expect(clear.act).toBe(true);
  });

  it("inserts a marker once (409 on the second insert)", async () => {
    expect(await store.claimOnce("intake", "alert-1@Fired", 60_000)).toBe(true);
    expect(await store.claimOnce("intake", "alert-1@Fired", 60_000)).toBe(false);
  });

  it("refuses a document write with a stale ETag (412) and a duplicate insert (409)", async () => {
    expect(await store.writeDocument("resize", VM, { phase: "deallocating" })).toBe(true);
    expect(await store.writeDocument("resize", VM, { phase: "other" })).toBe(false);
    const read = await store.readDocument<{ phase: string }>("resize", VM);
    expect(await store.writeDocument("resize", VM, { phase: "resizing" }, read!.etag)).toBe(true);
    expect(await store.writeDocument("resize", VM, { phase: "stale" }, read!.etag)).toBe(false);
    expect((await store.readDocument<{ phase: string }>("resize", VM))?.value).toEqual({ phase: "resizing" });
    expect(await store.listDocuments("resize")).toEqual([
      expect.objectContaining({ id: VM, value: { phase: "resizing" } }),
    ]);
  });

  it("sweeps expired entries and keeps the others (Table Storage has no TTL)", async () => {
    await store.claimOnce("intake", "old", 1000);
    await store.claimOnce("intake", "young", 3_600_000);
    now += 10_000;
    expect(await store.sweep()).toBe(1);
    expect(await store.claimOnce("intake", "old", 1000)).toBe(true);
    expect(await store.claimOnce("intake", "young", 1000)).toBe(false);
  });
});
