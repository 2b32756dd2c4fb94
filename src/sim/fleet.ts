/**
 * Simulating a fleet of one persona with the plan's alarm topology: each instance is a contributor of
 * the persona's fleet-wide alarms (one CloudWatch Metrics Insights alarm per persona × alarm, each time
 * series a contributor with its own ALARM/OK state and its own Lambda actions: CloudWatch User Guide,
 * "Acting on alarm changes") and keeps its own per-instance alarms where the plan keeps them. Every
 * instance has its own telemetry, varied from one scenario by a seed, so the timelines differ and
 * show which contributor fired when and what ran on which instance.
 */
import type { PersonaPlan } from "../plan/plan.js";
import { type AlarmTopology, planTopology } from "../plan/topology.js";
import { fleetWideAlarmKey, type SimulationOptions, type SimulationResult, simulate } from "./engine.js";
import { SimulationError } from "./errors.js";
import { SeededRandom } from "./random.js";
import {
  hasInstanceEvent,
  instanceEventStart,
  type ScenarioOptions,
  type ScenarioSpec,
  scenarioTelemetry,
  shiftInstanceEvent,
  withoutInstanceEvent,
} from "./scenarios.js";
import type { Telemetry } from "./telemetry.js";

/**
 * The most instances `simulateFleetTimelines` runs. A fleet-wide alarm holds at most 100 contributors
 * in ALARM at once (CloudWatch User Guide, alarms "Limits",
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-limits.html), and which ones it
 * keeps past that is not documented; up to 100 instances that cap can never be reached, so every
 * contributor's firing shown is what CloudWatch does. It also keeps the full timelines (a day of
 * 1-minute datapoints per alarm per instance) and the per-contributor report readable. Larger fleets:
 * `simulateFleet`, counts only.
 */
export const MAX_SIMULATED_FLEET = 100;

/** How one scenario is varied over a fleet. */
export interface FleetVariation {
  /**
   * The share of instances the scenario's event reaches (a spike, a ramp, flapping, an outage, the
   * day's spike and latency incident): `ceil(share × instances)` of them, chosen by a shuffle seeded
   * with the run's seed. The others see the scenario without its event.
   * @default 0.5
   */
  readonly share?: number;
  /**
   * How much later the event starts on each next instance reached, seconds (the k-th reached, from 0,
   * starts k × stagger after the scenario's own time).
   * @default 300
   */
  readonly staggerSeconds?: number;
}

/** One instance of a simulated fleet and the telemetry it was given. */
export interface FleetMember {
  /** `instance-1` … `instance-N`. */
  readonly name: string;
  /** The seed of its noise: the run's seed + its index (from 0), so instance-1 is the single-instance run. */
  readonly seed: number;
  /** When the scenario's event starts on it, seconds; undefined when the event does not reach it. */
  readonly eventAt: number | undefined;
  readonly telemetry: Telemetry;
}

/**
 * The telemetry of `instances` instances from one scenario: instance i (from 1) has the noise of seed
 * `seed + i − 1`; the event reaches `ceil(share × instances)` instances chosen by a shuffle seeded with
 * `seed`, the k-th of them (from 0) k × `staggerSeconds` after the scenario's time; list feeds are the
 * fleet's, the same answers for every instance (one schedule per fleet).
 *
 * @throws {SimulationError} when `instances` is not a whole number from 1 to {@link MAX_SIMULATED_FLEET},
 *   or the share or stagger is out of range.
 * @example
 * const members = fleetTelemetry(plan, { kind: "spike" }, 3, { seed: 1 });
 * members.map((m) => m.eventAt); // e.g. [undefined, 1800, 2100]: two of three reached, 5 minutes apart
 */
export function fleetTelemetry(
  plan: PersonaPlan,
  spec: ScenarioSpec,
  instances: number,
  options: ScenarioOptions & FleetVariation = {},
): FleetMember[] {
  checkFleetSize(instances);
  const { share = 0.5, staggerSeconds = 300, ...generation } = options;
  if (!(share > 0 && share <= 1))
    throw new SimulationError(
      `the share of instances an event reaches is above 0 and at most 1; received ${share}`,
    );
  if (!(staggerSeconds >= 0 && Number.isFinite(staggerSeconds)))
    throw new SimulationError(
      `the stagger between instances is at least 0 seconds; received ${staggerSeconds}`,
    );
  const seed = generation.seed ?? 1;
  const reached = new Map<number, number>();
  if (hasInstanceEvent(spec)) {
    const order = shuffled(instances, seed);
    const count = Math.ceil(share * instances);
    for (let k = 0; k < count; k++) reached.set(order[k]!, k * staggerSeconds);
  }
  const start = instanceEventStart(spec);
  let feeds: Telemetry["feeds"];
  return Array.from({ length: instances }, (_, index) => {
    const offset = reached.get(index);
    const own = offset === undefined ? withoutInstanceEvent(spec) : shiftInstanceEvent(spec, offset);
    const telemetry = scenarioTelemetry(plan, own, { ...generation, seed: seed + index });
    // List feeds are fleet-wide schedules: every instance sees the first instance's answers.
    feeds ??= telemetry.feeds;
    return {
      name: `instance-${index + 1}`,
      seed: seed + index,
      eventAt: offset === undefined || start === undefined ? undefined : start + offset,
      telemetry: feeds === undefined ? telemetry : { ...telemetry, feeds },
    };
  });
}

/** 0 … n−1 in a seeded order (Fisher–Yates). */
function shuffled(n: number, seed: number): number[] {
  const random = new SeededRandom(seed);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

function checkFleetSize(instances: number): void {
  if (!Number.isInteger(instances) || instances < 1 || instances > MAX_SIMULATED_FLEET)
    throw new SimulationError(
      `a simulated fleet has 1 to ${MAX_SIMULATED_FLEET} instances; received ${instances}`,
    );
}

/** How one alarm of the persona is deployed in the simulated fleet (the plan's AWS decision). */
export interface FleetAlarm {
  readonly alarmId: string;
  readonly triggerId: string;
  readonly role: "activate" | "clear";
  readonly description: string;
  readonly topology: AlarmTopology;
}

/**
 * How a fleet of `instances` deploys each alarm of the persona on AWS (the plan's topology, which the
 * simulator's CloudWatch semantics follow), and the keys of the fleet-wide ones for
 * `SimulationOptions.fleetWideAlarms`. Alarms of personas a shift moves to are not in it: the fleet
 * did not plan them, so they run per instance (src/plan/topology.ts `topologyOf`).
 * @example
 * fleetAlarmsOf(plan, 3, "fleet-wide").fleetWideAlarms; // Set { "sha256:…/cpu-utilization-above", … }
 */
export function fleetAlarmsOf(
  plan: PersonaPlan,
  instances: number,
  alarmTopology: "fleet-wide" | "per-instance",
): { alarms: FleetAlarm[]; fleetWideAlarms: ReadonlySet<string> } {
  const topology = planTopology([{ persona: plan.persona, alarms: plan.alarms, instances }], {
    alarms: alarmTopology,
  });
  const alarms = plan.alarms.map(
    (alarm, i): FleetAlarm => ({
      alarmId: alarm.id,
      triggerId: alarm.triggerId,
      role: alarm.role,
      description: alarm.description,
      topology: topology[i]!.aws,
    }),
  );
  const fleetWideAlarms = new Set(
    alarms
      .filter((a) => a.topology.kind === "fleet-wide")
      .map((a) => fleetWideAlarmKey(plan.persona.digest, a.alarmId)),
  );
  return { alarms, fleetWideAlarms };
}

/** A fleet simulation: the persona, how each alarm is deployed, and every instance's timeline. */
export interface FleetSimulationResult {
  readonly persona: SimulationResult["persona"];
  readonly seed: number;
  readonly startMs: number;
  readonly durationSeconds: number;
  /** What the fleet asked of the topology (`personas plan --alarm-topology`). */
  readonly alarmTopology: "fleet-wide" | "per-instance";
  readonly alarms: readonly FleetAlarm[];
  /** Each instance with its telemetry's facts and its timeline, in instance order. */
  readonly members: readonly (Omit<FleetMember, "telemetry"> & { readonly result: SimulationResult })[];
}

/** Options of {@link simulateFleetTimelines}. */
export interface FleetSimulationOptions extends Omit<SimulationOptions, "detail" | "fleetWideAlarms"> {
  /**
   * `fleet-wide` makes each alarm the plan allows one rule over the fleet (the instances its
   * contributors); `per-instance` keeps every alarm the instance's own (PersonaFleet `alarmTopology`).
   * @default "fleet-wide", as PersonaFleet and `personas plan` deploy
   * @example "per-instance"
   */
  readonly alarmTopology?: "fleet-wide" | "per-instance";
}

/**
 * Simulates each member with full detail. The alarms the plan's topology makes fleet-wide (for this
 * many instances) are evaluated per contributor; the others per instance. Each instance has its own
 * guard rails (cooldowns, circuit breaker), as the responders keep them per instance.
 *
 * @throws {SimulationError} when there are no members or more than {@link MAX_SIMULATED_FLEET}.
 * @example
 * const fleet = simulateFleetTimelines(plan, fleetTelemetry(plan, { kind: "spike" }, 3));
 * fleet.members[1].result.actions; // what ran on instance-2, and when its contributor entered ALARM
 */
export function simulateFleetTimelines(
  plan: PersonaPlan,
  members: readonly FleetMember[],
  options: FleetSimulationOptions = {},
): FleetSimulationResult {
  checkFleetSize(members.length);
  const { alarmTopology = "fleet-wide", ...simulation } = options;
  const { alarms, fleetWideAlarms } = fleetAlarmsOf(plan, members.length, alarmTopology);
  const seed = simulation.seed ?? 1;
  const results = members.map(({ telemetry, ...member }) => ({
    ...member,
    result: simulate(plan, telemetry, { ...simulation, seed: member.seed, fleetWideAlarms }),
  }));
  const first = results[0]!.result;
  return {
    persona: first.persona,
    seed,
    startMs: first.startMs,
    durationSeconds: first.durationSeconds,
    alarmTopology,
    alarms,
    members: results,
  };
}
