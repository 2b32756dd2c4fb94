/**
 * Tag keys the library writes on instances. `pulumi up` owns the baseline tags; the run-time
 * responders own `persona:active` (a persona shift rewrites it), so components ignore changes to it.
 */
export const PERSONA_TAGS = {
  /** The persona the stack deployed (baseline). */
  name: "persona:name",
  version: "persona:version",
  /** sha256 of the persona's normalised form, for policies and drift checks. */
  digest: "persona:digest",
  /** The fleet (PersonaFleet / PersonaAttachment name) the instance belongs to; IAM conditions use it. */
  fleet: "persona:fleet",
  /** The persona in force right now; written by the shift responder, ignored by `pulumi up`. */
  active: "persona:active",
} as const;

/**
 * Present while the instance is isolated (its value is when, ISO 8601); written and removed by the
 * isolate responder, ignored by `pulumi up`. Informational: the record in the state table decides.
 * Not among {@link PERSONA_TAGS}, which say which persona an instance has (the orchestrator follows
 * those); isolation does not change the persona.
 */
export const ISOLATED_TAG = "persona:isolated";

/**
 * The tag every persona alarm carries: `stack` on the per-instance alarms the components create,
 * `fleet` on their fleet-wide (Metrics Insights) alarms, `runtime` on the orchestrator's. Responders
 * act only for an alarm with the owner its name implies.
 * @internal
 */
export const ALARM_OWNER_TAG = "persona:owner";
