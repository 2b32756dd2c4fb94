#!/usr/bin/env node
// Extracts, from the AWS API models that ship with botocore, the constraints (length, range, pattern,
// enum) of every API member the AWS components write, into src/aws/contract-data/api-constraints.json.
// The cloud-contract check (src/aws/cloud-contract.ts) reads that file, so tests and CI need no Python.
//
//   node scripts/aws-contract-data.mjs          rewrite the JSON file from the installed botocore
//   node scripts/aws-contract-data.mjs --check  exit 1 when the file differs from the installed models
//
// botocore is found with `python3 -c "import botocore"` unless BOTOCORE_DIR names its directory.
// A member path walks the operation's input shape: `.Name` a structure member, `[]` a list's items,
// `{key}` / `{value}` a map's keys / values.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";

const OUTPUT = join(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  "src",
  "aws",
  "contract-data",
  "api-constraints.json",
);

/** [service, operation, member paths]: the API calls the resources the library creates become. */
const MEMBERS = [
  [
    "ec2",
    "RunInstances",
    [
      "ImageId",
      "InstanceType",
      "UserData",
      "MetadataOptions.HttpTokens",
      "MetadataOptions.HttpEndpoint",
      "MetadataOptions.InstanceMetadataTags",
    ],
  ],
  ["ec2", "CreateTags", ["Tags[].Key", "Tags[].Value"]],
  [
    "cloudwatch",
    "PutMetricAlarm",
    [
      "AlarmName",
      "AlarmDescription",
      "Namespace",
      "MetricName",
      "Statistic",
      "ExtendedStatistic",
      "Unit",
      "Period",
      "EvaluationPeriods",
      "DatapointsToAlarm",
      "ComparisonOperator",
      "TreatMissingData",
      "AlarmActions",
      "AlarmActions[]",
      "OKActions",
      "OKActions[]",
      "InsufficientDataActions",
      "Dimensions",
      "Dimensions[].Name",
      "Dimensions[].Value",
      "Metrics",
      "Metrics[].Id",
      "Metrics[].Expression",
      "Metrics[].Label",
      "Metrics[].Period",
      "Tags[].Key",
      "Tags[].Value",
    ],
  ],
  [
    "lambda",
    "CreateFunction",
    [
      "FunctionName",
      "Runtime",
      "Role",
      "Handler",
      "Description",
      "Timeout",
      "MemorySize",
      "Environment.Variables{key}",
      "Tags{key}",
      "LoggingConfig.LogFormat",
      "LoggingConfig.LogGroup",
      "Architectures[]",
    ],
  ],
  ["lambda", "PutFunctionConcurrency", ["ReservedConcurrentExecutions"]],
  [
    "lambda",
    "AddPermission",
    ["FunctionName", "StatementId", "Action", "Principal", "SourceArn", "SourceAccount"],
  ],
  [
    "lambda",
    "PutFunctionEventInvokeConfig",
    [
      "FunctionName",
      "MaximumRetryAttempts",
      "MaximumEventAgeInSeconds",
      "DestinationConfig.OnFailure.Destination",
    ],
  ],
  [
    "iam",
    "CreateRole",
    ["RoleName", "Path", "Description", "AssumeRolePolicyDocument", "Tags", "Tags[].Key", "Tags[].Value"],
  ],
  ["iam", "PutRolePolicy", ["RoleName", "PolicyName", "PolicyDocument"]],
  ["iam", "AttachRolePolicy", ["RoleName", "PolicyArn"]],
  ["iam", "CreateInstanceProfile", ["InstanceProfileName", "Path", "Tags"]],
  ["logs", "CreateLogGroup", ["logGroupName", "tags{key}", "tags{value}"]],
  [
    "dynamodb",
    "CreateTable",
    [
      "TableName",
      "AttributeDefinitions[].AttributeName",
      "AttributeDefinitions[].AttributeType",
      "KeySchema[].AttributeName",
      "KeySchema[].KeyType",
      "BillingMode",
    ],
  ],
  ["dynamodb", "TagResource", ["Tags", "Tags[].Key", "Tags[].Value"]],
  ["dynamodb", "UpdateTimeToLive", ["TimeToLiveSpecification.AttributeName"]],
  ["ssm", "PutParameter", ["Name", "Description", "Type", "Tier", "Tags", "Tags[].Key", "Tags[].Value"]],
  ["ssm", "CreateDocument", ["Name", "Content", "DocumentType", "DocumentFormat", "Tags"]],
  ["sqs", "CreateQueue", ["QueueName"]],
  [
    "wafv2",
    "CreateIPSet",
    ["Name", "Description", "Scope", "IPAddressVersion", "Addresses[]", "Tags", "Tags[].Key", "Tags[].Value"],
  ],
  ["wafv2", "UpdateWebACL", ["Rules[].Name", "Rules[].Priority", "Rules[].VisibilityConfig.MetricName"]],
  [
    "scheduler",
    "CreateSchedule",
    [
      "Name",
      "GroupName",
      "Description",
      "ScheduleExpression",
      "FlexibleTimeWindow.Mode",
      "State",
      "Target.Arn",
      "Target.RoleArn",
      "Target.Input",
      "Target.RetryPolicy.MaximumRetryAttempts",
      "Target.RetryPolicy.MaximumEventAgeInSeconds",
      "Target.DeadLetterConfig.Arn",
    ],
  ],
  [
    "events",
    "PutRule",
    [
      "Name",
      "Description",
      "EventPattern",
      "ScheduleExpression",
      "State",
      "Tags",
      "Tags[].Key",
      "Tags[].Value",
    ],
  ],
  ["events", "PutTargets", ["Rule", "Targets", "Targets[].Id", "Targets[].Arn"]],
  ["s3", "PutObject", ["Bucket", "Key", "ContentType"]],
  ["s3", "CreateBucket", ["Bucket"]],
  ["s3", "PutPublicAccessBlock", ["Bucket"]],
  [
    "stepfunctions",
    "CreateStateMachine",
    ["name", "definition", "roleArn", "type", "tags", "tags[].key", "tags[].value"],
  ],
];

function botocoreDirectory() {
  if (process.env.BOTOCORE_DIR) return process.env.BOTOCORE_DIR;
  try {
    return execFileSync("python3", ["-c", "import botocore,os;print(os.path.dirname(botocore.__file__))"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return undefined;
  }
}

function botocoreVersion(dir) {
  const text = readFileSync(join(dir, "__init__.py"), "utf8");
  return /__version__ = '([^']+)'/.exec(text)?.[1] ?? "unknown";
}

/** The newest API version of a service, as botocore's loader picks it. */
function loadModel(dir, service) {
  const base = join(dir, "data", service);
  const version = readdirSync(base).sort().pop();
  const file = join(base, version, "service-2.json.gz");
  return { version, model: JSON.parse(gunzipSync(readFileSync(file)).toString("utf8")) };
}

function constraintOf(shapeName, shape) {
  const out = { shape: shapeName, type: shape.type };
  for (const key of ["min", "max", "pattern", "enum"]) if (shape[key] !== undefined) out[key] = shape[key];
  return out;
}

function resolveMember(model, operation, path) {
  const op = model.operations[operation];
  if (!op?.input) throw new Error(`operation ${operation} has no input shape`);
  let shapeName = op.input.shape;
  for (const step of path.match(/[A-Za-z0-9]+|\[\]|\{key\}|\{value\}/g)) {
    const shape = model.shapes[shapeName];
    if (step === "[]") shapeName = shape.member?.shape;
    else if (step === "{key}") shapeName = shape.key?.shape;
    else if (step === "{value}") shapeName = shape.value?.shape;
    else shapeName = shape.members?.[step]?.shape;
    if (shapeName === undefined) throw new Error(`${operation}: no member ${path} (at ${step})`);
  }
  return constraintOf(shapeName, model.shapes[shapeName]);
}

function extract(dir) {
  const constraints = {};
  const apiVersions = {};
  const models = new Map();
  for (const [service, operation, paths] of MEMBERS) {
    if (!models.has(service)) models.set(service, loadModel(dir, service));
    const { version, model } = models.get(service);
    apiVersions[service] = version;
    for (const path of paths)
      constraints[`${service}.${operation}.${path}`] = resolveMember(model, operation, path);
  }
  return { botocore: botocoreVersion(dir), apiVersions, constraints };
}

function main() {
  const dir = botocoreDirectory();
  if (dir === undefined || !existsSync(join(dir, "data"))) {
    console.error("botocore not found: install it (pip install botocore) or set BOTOCORE_DIR");
    process.exit(2);
  }
  const data = extract(dir);
  if (process.argv.includes("--check")) {
    // Compared as data: the committed file is formatted by Biome.
    const committed = existsSync(OUTPUT) ? readFileSync(OUTPUT, "utf8") : "{}";
    if (JSON.stringify(JSON.parse(committed)) !== JSON.stringify(data)) {
      console.error(
        `${OUTPUT} differs from botocore ${data.botocore}'s models: run node scripts/aws-contract-data.mjs`,
      );
      process.exit(1);
    }
    console.log(`${OUTPUT} matches botocore ${data.botocore}`);
    return;
  }
  writeFileSync(OUTPUT, `${JSON.stringify(data, null, 2)}\n`);
  execFileSync(
    join(dirname(OUTPUT), "..", "..", "..", "node_modules", ".bin", "biome"),
    ["format", "--write", OUTPUT],
    {
      stdio: "ignore",
    },
  );
  console.log(`wrote ${OUTPUT} from botocore ${data.botocore}`);
}

main();
