/**
 * What every responder invocation works with: configuration, AWS clients, the manifest, the state
 * store, the logger and the clock. Built once per container (at the first invocation, so a missing
 * variable fails an invocation with a clear message instead of the module load) and reused.
 */
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EC2Client } from "@aws-sdk/client-ec2";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { Route53Client } from "@aws-sdk/client-route-53";
import { S3Client } from "@aws-sdk/client-s3";
import { SFNClient } from "@aws-sdk/client-sfn";
import { SNSClient } from "@aws-sdk/client-sns";
import { SSMClient } from "@aws-sdk/client-ssm";
import { WAFV2Client } from "@aws-sdk/client-wafv2";
import type { FeedFetcherOptions } from "../feeds/fetch.js";
import { ResponderEnv } from "./env.js";
import { type LogSink, ResponderLog } from "./log.js";
import { ManifestSource } from "./manifest-source.js";
import { GuardStore } from "./state.js";

/** The AWS clients, created on first use. */
export class AwsClients {
  private readonly made = new Map<string, unknown>();
  constructor(private readonly config: Record<string, unknown> = {}) {}
  get ec2(): EC2Client {
    return this.client("ec2", () => new EC2Client(this.config));
  }
  get ssm(): SSMClient {
    return this.client("ssm", () => new SSMClient(this.config));
  }
  get dynamodb(): DynamoDBClient {
    return this.client("dynamodb", () => new DynamoDBClient(this.config));
  }
  get sns(): SNSClient {
    return this.client("sns", () => new SNSClient(this.config));
  }
  get lambda(): LambdaClient {
    return this.client("lambda", () => new LambdaClient(this.config));
  }
  get sfn(): SFNClient {
    return this.client("sfn", () => new SFNClient(this.config));
  }
  get wafv2(): WAFV2Client {
    return this.client("wafv2", () => new WAFV2Client(this.config));
  }
  /** A WAF client pinned to a region (CLOUDFRONT-scope IP sets are managed in us-east-1 only). */
  wafv2ForRegion(region: string): WAFV2Client {
    return this.client(`wafv2:${region}`, () => new WAFV2Client({ ...this.config, region }));
  }
  get s3(): S3Client {
    return this.client("s3", () => new S3Client(this.config));
  }
  get elbv2(): ElasticLoadBalancingV2Client {
    return this.client("elbv2", () => new ElasticLoadBalancingV2Client(this.config));
  }
  get route53(): Route53Client {
    return this.client("route53", () => new Route53Client(this.config));
  }
  get cloudwatch(): CloudWatchClient {
    return this.client("cloudwatch", () => new CloudWatchClient(this.config));
  }
  private client<T>(name: string, make: () => T): T {
    if (!this.made.has(name)) this.made.set(name, make());
    return this.made.get(name) as T;
  }
}

/** Options of a handler factory; the deployed handlers pass none. */
export interface ResponderOptions {
  /**
   * Environment variables.
   * @default process.env
   */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * Configuration for every AWS client (tests point it at moto).
   * @default {} (the Lambda's region and role)
   */
  clientConfig?: Record<string, unknown>;
  /**
   * Where log lines go.
   * @default stdout
   */
  logSink?: LogSink;
  /**
   * The clock, ms since the epoch.
   * @default Date.now
   */
  now?: () => number;
  /**
   * Waits between polls and retries.
   * @default setTimeout
   */
  sleep?: (ms: number) => Promise<void>;
  /**
   * Options of the feed fetcher. Tests pass `unsafeTestAllowances` here; deployed handlers never do.
   * @default {} (https only, public addresses only)
   */
  fetcher?: FeedFetcherOptions;
}

/** The per-container context. */
export interface ResponderContext {
  readonly responder: string;
  readonly env: ResponderEnv;
  readonly clients: AwsClients;
  readonly log: ResponderLog;
  readonly manifest: ManifestSource;
  readonly store: GuardStore;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly fetcher: FeedFetcherOptions;
}

/** Builds the context; reads the required variables now, so a missing one fails here. */
export function createContext(responder: string, options: ResponderOptions = {}): ResponderContext {
  const env = new ResponderEnv(options.env ?? process.env);
  const clients = new AwsClients(options.clientConfig ?? {});
  const log = new ResponderLog(
    { responder, fleet: env.fleetName, namespace: env.metricsNamespace },
    options.logSink,
  );
  return {
    responder,
    env,
    clients,
    log,
    manifest: new ManifestSource(clients.s3, env.fleetBucket, options.now),
    store: new GuardStore(clients.dynamodb, env.stateTable),
    now: options.now ?? Date.now,
    sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    fetcher: options.fetcher ?? {},
  };
}
