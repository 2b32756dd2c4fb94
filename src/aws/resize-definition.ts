/**
 * The resize workflow as an Amazon States Language definition: a Step Functions Standard state
 * machine that stops an instance, waits until it is stopped, changes its type, starts it and waits
 * until it runs. Any failure after the stop is caught and leads to the restore path, which puts the
 * original type back and starts the instance. A Lambda function could not do this reliably: its 900 s
 * limit equals the two waits, so the restore never ran (issue 12 item 10); a Standard workflow runs
 * for up to a year and is billed per state transition, not per second.
 *
 * Constructs used, and only these (moto 5.2 executes each; see test/runtime/aws/resize-workflow.test.ts):
 * `Task` with `arn:aws:states:::aws-sdk:ec2:<action>` resources, `Wait` with fixed `Seconds`, `Choice`
 * on strings, booleans and numbers, `Pass` with the `States.MathAdd` and `States.Array` intrinsics,
 * `Retry` and `Catch` on `States.ALL` (the AWS SDK integration names EC2 errors `Ec2.<Code>Exception`,
 * which moto names differently, so no rule depends on an error name), `Succeed` and `Fail` with
 * `CausePath`.
 *
 * Sources: Amazon States Language (https://states-language.net/spec.html); "Learning to use AWS
 * service SDK integrations in Step Functions" (https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html);
 * "Choosing workflow type in Step Functions" (Standard: up to one year).
 *
 * Pure data, no Pulumi: tests build the same definition with short timings and run it on moto.
 */

/** What the scale responder passes to an execution (validated by the responder before it starts one). */
export interface ResizeExecutionInput {
  instanceId: string;
  /** The type the instance has now; the restore path puts it back. */
  originalType: string;
  targetType: string;
  /** True for a running instance (stop, change, start); false for a stopped one (change only, stays stopped). */
  start: boolean;
}

/** The timings of the workflow. */
export interface ResizeTiming {
  /**
   * Seconds between two looks at the instance's state (a `Wait` state; each look is 4 state transitions).
   * @default 30
   */
  pollSeconds?: number;
  /**
   * Looks at the instance before a stop, or a start, counts as stuck (with 30 s polls: 30 minutes each).
   * @default 60
   */
  maxPolls?: number;
  /**
   * Seconds before the first retry of a failed EC2 call.
   * @default 10
   */
  retryIntervalSeconds?: number;
  /**
   * Multiplier of the retry interval after each retry.
   * @default 2
   */
  retryBackoffRate?: number;
}

/** The defaults of {@link ResizeTiming}. */
export const RESIZE_TIMING_DEFAULTS = {
  pollSeconds: 30,
  maxPolls: 60,
  retryIntervalSeconds: 10,
  retryBackoffRate: 2,
} as const;

/** Attempts of each EC2 call on the forward path (stop, start, describe): 1 call and 2 retries. */
export const FORWARD_ATTEMPTS = 3;
/** Attempts of each EC2 call on the restore path: 1 call and 3 retries; a restore must not give up early. */
export const RESTORE_ATTEMPTS = 4;

/** Error names of the workflow's own `Fail` states (the cause is the first failure's cause). */
export const RESIZE_ERRORS = {
  /** The resize failed and the instance was brought back to running (with its original type unless noted). */
  restored: "Personas.ResizeFailedRestored",
  /** The resize failed and so did the restore: someone must look at the instance. */
  restoreFailed: "Personas.RestoreFailed",
} as const;

/**
 * The longest an execution can run, in seconds: four bounded waits (stop, start, and the restore's
 * settle and start) plus every retry. Used as the definition's `TimeoutSeconds` backstop and as the
 * lifetime of the scale responder's lock on the instance.
 */
export function resizeTimeoutSeconds(timing: ResizeTiming = {}): number {
  const t = { ...RESIZE_TIMING_DEFAULTS, ...timing };
  const waits = 4 * t.maxPolls * Math.max(t.pollSeconds, 1);
  let retries = 0;
  for (let i = 0; i < RESTORE_ATTEMPTS; i++) retries += t.retryIntervalSeconds * t.retryBackoffRate ** i;
  // Each call may retry; 12 calls is more than any path makes, and 5 minutes covers API latency.
  return Math.ceil(waits + 12 * retries + 300);
}

type State = Record<string, unknown>;

/**
 * The state machine definition (an object; `JSON.stringify` it for the API).
 * @example
 * const definition = JSON.stringify(resizeDefinition({ pollSeconds: 30 }));
 */
export function resizeDefinition(
  timing: ResizeTiming = {},
): { StartAt: string; States: Record<string, State> } & State {
  const t = { ...RESIZE_TIMING_DEFAULTS, ...timing };
  const instanceIds = { "InstanceIds.$": "States.Array($.instanceId)" };
  const retry = (attempts: number) => [
    {
      ErrorEquals: ["States.ALL"],
      IntervalSeconds: t.retryIntervalSeconds,
      MaxAttempts: attempts - 1,
      BackoffRate: t.retryBackoffRate,
    },
  ];
  const toRestore = [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "Restore" }];
  const restoreFailed = [
    { ErrorEquals: ["States.ALL"], ResultPath: "$.restoreError", Next: "RestoreFailed" },
  ];
  const ec2 = (action: string) => `arn:aws:states:::aws-sdk:ec2:${action}`;
  const describe = (attempts: number, onError: object[], next: string): State => ({
    Type: "Task",
    Resource: ec2("describeInstances"),
    Parameters: instanceIds,
    ResultSelector: { "state.$": "$.Reservations[0].Instances[0].State.Name" },
    ResultPath: "$.observed",
    Retry: retry(attempts),
    Catch: onError,
    Next: next,
  });
  const resetPolls = (next: string): State => ({
    Type: "Pass",
    Result: { polls: 0 },
    ResultPath: "$.counter",
    Next: next,
  });
  const countPoll = (next: string): State => ({
    Type: "Pass",
    Parameters: { "polls.$": "States.MathAdd($.counter.polls, 1)" },
    ResultPath: "$.counter",
    Next: next,
  });
  const wait = (next: string): State => ({ Type: "Wait", Seconds: t.pollSeconds, Next: next });
  const timedOut = (what: string, next: string): State => ({
    Type: "Pass",
    Result: {
      Error: "Personas.Timeout",
      Cause: `the instance did not ${what} within ${t.maxPolls} polls ${t.pollSeconds} s apart`,
    },
    ResultPath: "$.error",
    Next: next,
  });
  const pollsExhausted = { Variable: "$.counter.polls", NumericGreaterThanEquals: t.maxPolls };

  return {
    Comment:
      "pulumi-personas resize: stop, change the type, start; on any failure restore the original type and start (docs/runtime-aws.md)",
    TimeoutSeconds: resizeTimeoutSeconds(t),
    StartAt: "WasRunning",
    States: {
      WasRunning: {
        Type: "Choice",
        Choices: [{ Variable: "$.start", BooleanEquals: true, Next: "Stop" }],
        Default: "ChangeStoppedType",
      },
      // A stopped instance only changes type and stays stopped; a failure changes nothing.
      ChangeStoppedType: {
        Type: "Task",
        Resource: ec2("modifyInstanceAttribute"),
        Parameters: { "InstanceId.$": "$.instanceId", InstanceType: { "Value.$": "$.targetType" } },
        ResultPath: null,
        Retry: retry(FORWARD_ATTEMPTS),
        End: true,
      },
      Stop: {
        Type: "Task",
        Resource: ec2("stopInstances"),
        Parameters: instanceIds,
        ResultPath: null,
        Retry: retry(FORWARD_ATTEMPTS),
        Catch: toRestore,
        Next: "StopPollsReset",
      },
      StopPollsReset: resetPolls("WaitForStop"),
      WaitForStop: wait("DescribeStopping"),
      DescribeStopping: describe(FORWARD_ATTEMPTS, toRestore, "IsStopped"),
      IsStopped: {
        Type: "Choice",
        Choices: [
          { Variable: "$.observed.state", StringEquals: "stopped", Next: "ChangeType" },
          { ...pollsExhausted, Next: "StopTimedOut" },
        ],
        Default: "CountStopPoll",
      },
      CountStopPoll: countPoll("WaitForStop"),
      StopTimedOut: timedOut("stop", "ForceStop"),
      // Stuck in stopping: a forced stop is the documented way out ("Troubleshoot Amazon EC2 instance stop issues").
      ForceStop: {
        Type: "Task",
        Resource: ec2("stopInstances"),
        Parameters: { ...instanceIds, Force: true },
        ResultPath: null,
        Retry: retry(FORWARD_ATTEMPTS),
        Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.forceError", Next: "Restore" }],
        Next: "Restore",
      },
      // EC2 refuses a type change unless the instance is stopped (IncorrectInstanceState), hence the wait above.
      ChangeType: {
        Type: "Task",
        Resource: ec2("modifyInstanceAttribute"),
        Parameters: { "InstanceId.$": "$.instanceId", InstanceType: { "Value.$": "$.targetType" } },
        ResultPath: null,
        Catch: toRestore,
        Next: "Start",
      },
      Start: {
        Type: "Task",
        Resource: ec2("startInstances"),
        Parameters: instanceIds,
        ResultPath: null,
        Retry: retry(FORWARD_ATTEMPTS),
        Catch: toRestore,
        Next: "StartPollsReset",
      },
      StartPollsReset: resetPolls("WaitForStart"),
      WaitForStart: wait("DescribeStarting"),
      DescribeStarting: describe(FORWARD_ATTEMPTS, toRestore, "IsRunning"),
      IsRunning: {
        Type: "Choice",
        Choices: [
          { Variable: "$.observed.state", StringEquals: "running", Next: "Resized" },
          { ...pollsExhausted, Next: "StartTimedOut" },
        ],
        Default: "CountStartPoll",
      },
      CountStartPoll: countPoll("WaitForStart"),
      StartTimedOut: timedOut("reach running", "Restore"),
      Resized: { Type: "Succeed" },

      // The restore path: settle, put the original type back, start, until running or out of polls.
      Restore: resetPolls("RestoreDescribe"),
      RestoreDescribe: describe(RESTORE_ATTEMPTS, restoreFailed, "RestoreNext"),
      RestoreNext: {
        Type: "Choice",
        Choices: [
          { Variable: "$.observed.state", StringEquals: "running", Next: "Restored" },
          { Variable: "$.observed.state", StringEquals: "stopped", Next: "RestoreType" },
          { ...pollsExhausted, Next: "RestoreFailed" },
          { Variable: "$.observed.state", StringEquals: "stopping", Next: "RestoreWait" },
          { Variable: "$.observed.state", StringEquals: "pending", Next: "RestoreWait" },
        ],
        // shutting-down or terminated: nothing to restore.
        Default: "RestoreFailed",
      },
      RestoreWait: wait("RestoreCount"),
      RestoreCount: countPoll("RestoreDescribe"),
      RestoreType: {
        Type: "Task",
        Resource: ec2("modifyInstanceAttribute"),
        Parameters: { "InstanceId.$": "$.instanceId", InstanceType: { "Value.$": "$.originalType" } },
        ResultPath: null,
        Retry: retry(RESTORE_ATTEMPTS),
        // Running with the wrong type is better than stopped: start it anyway.
        Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.restoreTypeError", Next: "RestoreStart" }],
        Next: "RestoreStart",
      },
      RestoreStart: {
        Type: "Task",
        Resource: ec2("startInstances"),
        Parameters: instanceIds,
        ResultPath: null,
        Retry: retry(RESTORE_ATTEMPTS),
        Catch: restoreFailed,
        Next: "RestoreWait",
      },
      Restored: { Type: "Fail", Error: RESIZE_ERRORS.restored, CausePath: "$.error.Cause" },
      RestoreFailed: { Type: "Fail", Error: RESIZE_ERRORS.restoreFailed, CausePath: "$.error.Cause" },
    },
  };
}
