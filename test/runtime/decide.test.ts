/**
 * The guard rails every responder applies before acting (src/runtime/decide.ts), at their
 * boundaries: duplicate delivery, the in-flight lock, the cooldown, the circuit breaker, and a clear
 * that neither the cooldown nor the breaker may block.
 */
import { describe, expect, it } from "vitest";
import { decide, type GuardRequest, MemoryGuardState } from "../../src/runtime/decide.js";

const HOUR_MS = 3_600_000;
const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);

function request(overrides: Partial<GuardRequest> = {}): GuardRequest {
  return {
    now: NOW,
    responseId: "scale-up",
    intent: "activate",
    transitionId: `alarm-cpu@${overrides.now ?? NOW}`,
    cooldownSeconds: 300,
    maxActionsPerHour: 2,
    ...overrides,
  };
}

describe("decide", () => {
  it("acts on a fresh instance", () => {
    expect(decide(request(), new MemoryGuardState())).toEqual({ act: true });
  });

  it("skips a redelivered transition, also one that was skipped the first time", () => {
    const state = new MemoryGuardState();
    state.recordSkip(request({ transitionId: "t-1" }));

    expect(decide(request({ transitionId: "t-1" }), state)).toEqual({
      act: false,
      reason: "duplicate",
      detail: "transition t-1 was already handled",
    });
  });

  it("waits for a lock until the instant it expires, and acts from that instant", () => {
    const state = new MemoryGuardState();
    state.lock = { holder: "resize-1", expiresAt: NOW + 1 };

    expect(decide(request(), state)).toEqual({
      act: false,
      reason: "locked",
      detail: "another action (resize-1) is in flight until 2026-01-01T12:00:00.001Z",
    });
    state.lock = { holder: "resize-1", expiresAt: NOW };
    expect(decide(request(), state)).toEqual({ act: true });
  });

  it("skips inside the cooldown and acts once exactly the cooldown has passed", () => {
    const state = new MemoryGuardState();
    state.recordAction(request({ now: NOW - 299_000 }));

    expect(decide(request(), state)).toEqual({
      act: false,
      reason: "cooldown",
      detail: "response scale-up ran 299 s ago; cooldown 300 s has 1 s left",
    });
    expect(decide(request({ now: NOW + 1000 }), state)).toEqual({ act: true });
  });

  it("opens the circuit at maxActionsPerHour actions within the last hour, counting none older", () => {
    const state = new MemoryGuardState();
    state.recentActions = [NOW - HOUR_MS, NOW - 2 * HOUR_MS, NOW - 1000];
    expect(decide(request(), state)).toEqual({ act: true });

    state.recentActions = [NOW - HOUR_MS + 1, NOW - 1000];
    expect(decide(request(), state)).toEqual({
      act: false,
      reason: "circuit-open",
      detail: "2 actions on this instance in the last hour reached the limit of 2",
    });
  });

  it("lets a clear through inside the cooldown and with the circuit open: a revert is never blocked", () => {
    const state = new MemoryGuardState();
    state.recordAction(request({ responseId: "cpu-high", now: NOW - 1000 }));
    state.recentActions = [NOW - 3000, NOW - 2000, NOW - 1000];

    expect(decide(request({ responseId: "cpu-high", intent: "clear" }), state)).toEqual({ act: true });
  });
});

describe("MemoryGuardState", () => {
  it("starts with nothing handled, run or recent", () => {
    const state = new MemoryGuardState();

    expect({
      handled: [...state.handledTransitions],
      lastRunAt: [...state.lastRunAt],
      recent: state.recentActions,
      lock: state.lock,
    }).toEqual({ handled: [], lastRunAt: [], recent: [], lock: undefined });
  });

  it("records an action: the transition, the activation time, and recent actions younger than an hour", () => {
    const state = new MemoryGuardState();
    state.recentActions = [NOW - 2 * HOUR_MS, NOW - HOUR_MS, NOW - HOUR_MS + 1];

    state.recordAction(request({ transitionId: "t-9" }));

    expect({
      handled: [...state.handledTransitions],
      lastRunAt: [...state.lastRunAt],
      recent: state.recentActions,
    }).toEqual({ handled: ["t-9"], lastRunAt: [["scale-up", NOW]], recent: [NOW - HOUR_MS + 1, NOW] });
  });

  it("does not start a cooldown for a clear", () => {
    const state = new MemoryGuardState();

    state.recordAction(request({ intent: "clear" }));

    expect([...state.lastRunAt]).toEqual([]);
  });
});
