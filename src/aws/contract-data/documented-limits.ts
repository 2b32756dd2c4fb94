/**
 * The sizes, quotas and naming rules AWS documents but its API models do not carry (the models'
 * lengths, patterns and enums are in api-constraints.json, generated from botocore). Each entry names
 * the page it comes from; docs/aws.md lists them per resource type.
 */

/** One documented limit: its value and where AWS states it. */
export interface DocumentedLimit {
  /** What the limit bounds, as one sentence. */
  readonly rule: string;
  /** The AWS page that states it. */
  readonly source: string;
}

const TAGGING = "https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html";
const LAMBDA_QUOTAS = "https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html";
const IAM_QUOTAS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html";

/** Documented limits the cloud-contract check enforces, by id. */
export const DOCUMENTED_LIMITS = {
  tagCount: {
    max: 50,
    rule: "a resource has at most 50 user tags",
    source: TAGGING,
  },
  tagKeyLength: { max: 128, rule: "a tag key is 1 to 128 characters", source: TAGGING },
  tagValueLength: { max: 256, rule: "a tag value is at most 256 characters", source: TAGGING },
  tagReservedPrefix: {
    prefix: "aws:",
    rule: "tag keys and values must not start with the reserved prefix aws: (any case)",
    source: TAGGING,
  },
  userDataBytes: {
    max: 16_384,
    rule: "user data is limited to 16 KB in raw form, before it is base64-encoded",
    source: "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/user-data.html",
  },
  lambdaFunctionName: {
    max: 64,
    pattern: "^[a-zA-Z0-9_-]+$",
    rule: "a function name (not an ARN) is 1 to 64 letters, digits, hyphens or underscores",
    source: "https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html",
  },
  lambdaTimeout: {
    max: 900,
    rule: "a function runs at most 900 seconds (15 minutes)",
    source: LAMBDA_QUOTAS,
  },
  lambdaEnvironmentBytes: {
    max: 4096,
    rule: "environment variables are at most 4 KB for all of a function's variables, in aggregate (keys and values)",
    source: LAMBDA_QUOTAS,
  },
  lambdaReservedEnvironment: {
    keys: [
      "_HANDLER",
      "_X_AMZN_TRACE_ID",
      "AWS_DEFAULT_REGION",
      "AWS_REGION",
      "AWS_EXECUTION_ENV",
      "AWS_LAMBDA_FUNCTION_NAME",
      "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
      "AWS_LAMBDA_FUNCTION_VERSION",
      "AWS_LAMBDA_INITIALIZATION_TYPE",
      "AWS_LAMBDA_LOG_GROUP_NAME",
      "AWS_LAMBDA_LOG_STREAM_NAME",
      "AWS_ACCESS_KEY",
      "AWS_ACCESS_KEY_ID",
      "AWS_SECRET_ACCESS_KEY",
      "AWS_SESSION_TOKEN",
      "AWS_LAMBDA_RUNTIME_API",
      "LAMBDA_TASK_ROOT",
      "LAMBDA_RUNTIME_DIR",
    ],
    rule: "reserved environment variable keys cannot be set on a function",
    source: "https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars-runtime.html",
  },
  ssmParameterStandardBytes: {
    max: 4096,
    rule: "a Standard-tier parameter value is at most 4 KB",
    source:
      "https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html",
  },
  ssmParameterAdvancedBytes: {
    max: 8192,
    rule: "an Advanced-tier parameter value is at most 8 KB",
    source:
      "https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html",
  },
  ssmParameterName: {
    max: 1011,
    pattern: "^[a-zA-Z0-9_.\\-/]+$",
    maxLevels: 15,
    rule: "a parameter name is at most 1,011 characters of letters, digits and _ . - /, at most 15 levels deep, and does not begin with aws or ssm (any case)",
    source: "https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-su-create.html",
  },
  ssmDocumentBytes: {
    max: 65_536,
    rule: "an SSM document's content is at most 64 KB",
    source: "https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_CreateDocument.html",
  },
  ssmDocumentNamePrefixes: {
    prefixes: ["aws", "amazon", "amzn"],
    rule: "a document name must not begin with aws, amazon or amzn (any case)",
    source: "https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_CreateDocument.html",
  },
  securityGroupDescription: {
    max: 255,
    pattern: "^[a-zA-Z0-9 ._\\-:/()#,@\\[\\]+=&;{}!$*]*$",
    rule: "a VPC security group's description is at most 255 characters of a-z, A-Z, 0-9, spaces and ._-:/()#,@[]+=&;{}!$*",
    source: "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html",
  },
  securityGroupRulePort: {
    min: 0,
    max: 65535,
    rule: "a TCP or UDP security group rule's ports are 0 to 65535",
    source: "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpPermission.html",
  },
  sqsQueueName: {
    max: 80,
    pattern: "^[a-zA-Z0-9_-]+(\\.fifo)?$",
    rule: "a queue name is 1 to 80 letters, digits, hyphens or underscores (a FIFO queue's ends in .fifo)",
    source: "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html",
  },
  stepFunctionsName: {
    max: 80,
    pattern: "^[a-zA-Z0-9_-]+$",
    rule: "a state machine name is 1 to 80 characters with no white space, brackets, wildcards or special characters; only letters, digits, hyphens and underscores keep CloudWatch Logs logging possible",
    source: "https://docs.aws.amazon.com/step-functions/latest/apireference/API_CreateStateMachine.html",
  },
  sqsMessageRetention: {
    min: 60,
    max: 1_209_600,
    rule: "MessageRetentionPeriod is 60 to 1,209,600 seconds",
    source:
      "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html",
  },
  dynamodbTableName: {
    min: 3,
    max: 255,
    pattern: "^[a-zA-Z0-9_.-]+$",
    rule: "a table name is 3 to 255 letters, digits, underscores, hyphens or periods",
    source:
      "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html",
  },
  iamTrustPolicyCharacters: {
    max: 2048,
    rule: "a role trust policy is at most 2,048 characters (default quota)",
    source: IAM_QUOTAS,
  },
  iamInlineRolePolicyCharacters: {
    max: 10_240,
    rule: "a role's inline policies total at most 10,240 characters, whitespace not counted",
    source: IAM_QUOTAS,
  },
  iamManagedPoliciesPerRole: {
    max: 10,
    rule: "at most 10 managed policies are attached to a role (default quota)",
    source: IAM_QUOTAS,
  },
  logRetentionDays: {
    values: [
      1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
    ],
    rule: "retentionInDays is one of the listed values",
    source:
      "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html",
  },
  wafIpSetAddresses: {
    max: 10_000,
    rule: "an IP set holds at most 10,000 IP addresses or ranges",
    source: "https://docs.aws.amazon.com/waf/latest/developerguide/limits.html",
  },
  wafNoSlashZero: {
    rule: "AWS WAF supports every IPv4 and IPv6 CIDR range except /0",
    source: "https://docs.aws.amazon.com/waf/latest/APIReference/API_IPSet.html",
  },
  networkAclRulesPerDirection: {
    max: 20,
    rule: "a network ACL has at most 20 rules per direction (inbound, outbound; default quota)",
    source: "https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html#vpc-limits-nacls",
  },
  networkAclRuleNumber: {
    min: 1,
    max: 32_766,
    rule: "a network ACL rule number is 1 to 32,766",
    source: "https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html",
  },
  s3ObjectKeyBytes: {
    max: 1024,
    rule: "an object key is at most 1,024 bytes of UTF-8",
    source: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html",
  },
  s3BucketName: {
    min: 3,
    max: 63,
    pattern: "^[a-z0-9][a-z0-9.-]*[a-z0-9]$",
    rule: "a bucket name is 3 to 63 lowercase letters, digits, periods or hyphens, beginning and ending with a letter or digit",
    source: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html",
  },
  metricsInsightsAlarmPeriod: {
    min: 60,
    rule: "a Metrics Insights alarm's query period is at least 60 seconds (Metrics Insights does not support high-resolution data)",
    source:
      "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-metrics-insights-limits.html",
  },
  metricsInsightsEvaluationRange: {
    max: 10_800,
    rule: "a Metrics Insights alarm evaluates only the latest 3 hours of data: period × evaluation periods is at most 10,800 seconds",
    source: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-limits.html",
  },
  metricsInsightsSeries: {
    max: 500,
    rule: "a Metrics Insights query returns at most 500 time series (LIMIT at most 500)",
    source:
      "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-metrics-insights-limits.html",
  },
  alarmMetricOrQueries: {
    rule: "an alarm names one metric (metricName, namespace, statistic, period, dimensions) or metric queries, not both",
    source: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html",
  },
  pulumiAutoName: {
    suffixLength: 8,
    rule: "without a name, the provider names the resource <logical name>-<7 random characters>",
    source: "https://www.pulumi.com/docs/iac/concepts/resources/names/#autonaming",
  },
} as const satisfies Record<string, DocumentedLimit & Record<string, unknown>>;

/** The id of a documented limit. */
export type DocumentedLimitId = keyof typeof DOCUMENTED_LIMITS;
