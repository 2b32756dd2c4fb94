/**
 * A thin Azure Resource Manager client: bearer token, JSON, throttling and long-running operations,
 * over an injected `fetch`, so the bundles carry no SDK and tests drive a double that enforces
 * Azure's rules (test/support/arm-double.ts). Only the calls the runtime makes go through it.
 *
 * - Throttling: a 429 is retried after its `Retry-After` seconds (capped), a bounded number of times
 *   ("Understand how Azure Resource Manager throttles requests", Microsoft Learn: clients must wait
 *   the Retry-After interval).
 * - Long-running operations: a 201/202 with `Azure-AsyncOperation` (or `Location`) is polled until
 *   `Succeeded`, `Failed` or `Canceled` ("Track asynchronous Azure operations", Microsoft Learn).
 */
import { ArmOperationError, ArmRequestError } from "./errors.js";

/** Returns a bearer token for `https://management.azure.com/`. */
export type TokenSource = () => Promise<string>;

/** How the client talks to ARM. */
export interface ArmClientOptions {
  token: TokenSource;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
  /** @default "https://management.azure.com" */
  endpoint?: string;
  /** Waits between throttled retries and polls. @default setTimeout */
  sleep?: (ms: number) => Promise<void>;
  /** 429 answers retried per request before giving up. @default 5 */
  maxThrottleRetries?: number;
  /** Poll interval when the operation gives no Retry-After. @default 5000 */
  pollIntervalMs?: number;
  /** Polls per operation before giving up. @default 360 (30 minutes at 5 s) */
  maxPolls?: number;
}

/** One ARM answer. */
export interface ArmResponse<T> {
  status: number;
  body: T;
  headers: Headers;
}

/** The longest Retry-After honoured; ARM's throttling windows are under a minute. */
const MAX_RETRY_AFTER_MS = 60_000;

/** Counts what a client did, for logs and the sweep-cost benchmark. */
export interface ArmCallCounts {
  reads: number;
  writes: number;
  throttled: number;
}

export class ArmClient {
  readonly counts: ArmCallCounts = { reads: 0, writes: 0, throttled: 0 };
  private readonly fetch: typeof fetch;
  private readonly endpoint: string;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: ArmClientOptions) {
    this.fetch = options.fetch ?? globalThis.fetch;
    this.endpoint = (options.endpoint ?? "https://management.azure.com").replace(/\/$/, "");
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /**
   * Sends one request (`path` starts with `/subscriptions/...` or is an absolute URL from ARM itself),
   * retrying throttled answers. Throws {@link ArmRequestError} on any other non-2xx answer.
   */
  async request<T>(
    method: "GET" | "PUT" | "PATCH" | "POST" | "DELETE",
    path: string,
    apiVersion: string | undefined,
    body?: unknown,
    /** How the call is counted: by method unless given (a Resource Graph query is a POST that reads). */
    counted: "read" | "write" = method === "GET" ? "read" : "write",
  ): Promise<ArmResponse<T>> {
    const url = new URL(
      path.startsWith("https://") || path.startsWith("http://") ? path : this.endpoint + path,
    );
    if (apiVersion !== undefined) url.searchParams.set("api-version", apiVersion);
    const retries = this.options.maxThrottleRetries ?? 5;
    for (let attempt = 0; ; attempt++) {
      if (counted === "read") this.counts.reads++;
      else this.counts.writes++;
      const init: RequestInit = {
        method,
        headers: {
          authorization: `Bearer ${await this.options.token()}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
      };
      if (body !== undefined) init.body = JSON.stringify(body);
      const response = await this.fetch(url, init);
      const text = await response.text();
      if (response.status === 429 && attempt < retries) {
        this.counts.throttled++;
        await this.sleep(retryAfterMs(response.headers, 1000 * 2 ** attempt));
        continue;
      }
      const parsed = text === "" ? undefined : safeJson(text);
      if (response.status >= 400) {
        const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
        throw new ArmRequestError(
          response.status,
          error?.code ?? `HTTP${response.status}`,
          `${method} ${url.pathname} answered ${response.status} ${error?.code ?? ""}: ${error?.message ?? text.slice(0, 300)}`,
        );
      }
      return { status: response.status, body: parsed as T, headers: response.headers };
    }
  }

  /** Sends a request that may start a long-running operation and waits for its end. */
  async operation<T>(
    method: "PUT" | "PATCH" | "POST" | "DELETE",
    path: string,
    apiVersion: string,
    body?: unknown,
  ): Promise<T | undefined> {
    const started = await this.request<T>(method, path, apiVersion, body);
    if (started.status !== 201 && started.status !== 202) return started.body;
    const monitor = started.headers.get("azure-asyncoperation") ?? started.headers.get("location");
    if (monitor === null) return started.body;
    const maxPolls = this.options.maxPolls ?? 360;
    let wait = retryAfterMs(started.headers, this.options.pollIntervalMs ?? 5000);
    for (let poll = 0; poll < maxPolls; poll++) {
      await this.sleep(wait);
      const status = await this.request<{
        status?: string;
        error?: { code?: string; message?: string };
        properties?: { output?: T };
      }>("GET", monitor, undefined);
      // The Location pattern answers 202 while the operation runs and 200 with its result at the end
      // ("Track asynchronous Azure operations": "Location ... returns 202 until the operation
      // completes"); a 202 is never the result.
      if (status.status === 202) {
        wait = retryAfterMs(status.headers, this.options.pollIntervalMs ?? 5000);
        continue;
      }
      const state = status.body?.status;
      if (state === undefined || state === "Succeeded") {
        // The Location pattern answers 200 with the result itself; the async-operation pattern
        // may carry an output (Run Command's instance view).
        return (status.body?.properties?.output ?? (state === undefined ? status.body : undefined)) as
          | T
          | undefined;
      }
      if (state === "Failed" || state === "Canceled") {
        throw new ArmOperationError(
          status.body?.error?.code ?? state,
          `${method} ${new URL(path, this.endpoint).pathname} ended ${state}: ${status.body?.error?.message ?? "no detail"}`,
        );
      }
      wait = retryAfterMs(status.headers, this.options.pollIntervalMs ?? 5000);
    }
    throw new ArmOperationError(
      "PollBudgetExceeded",
      `${method} ${path} was still running after ${maxPolls} polls; check it in the activity log.`,
    );
  }
}

function retryAfterMs(headers: Headers, fallback: number): number {
  const value = headers.get("retry-after");
  const seconds = value === null ? Number.NaN : Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds * 1000, MAX_RETRY_AFTER_MS) : fallback;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { error: { message: text.slice(0, 300) } };
  }
}
