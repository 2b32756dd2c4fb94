/**
 * An Azure Resource Manager double behind `fetch`, for the Azure runtime's tests. It keeps VMs (size,
 * power state, tags, NIC address), metric alerts and NSG rules, and refuses what Azure refuses, each
 * rule citing the document it follows:
 *
 * - Resize while running to a size not in the VM's available sizes is refused (409
 *   `OperationNotAllowed`): "Resize a virtual machine" (learn.microsoft.com/azure/virtual-machines/sizes/resize-vm):
 *   deallocation may be necessary if the new size isn't available on the hardware cluster hosting the VM;
 *   List Available Sizes (`/vmSizes`) lists the sizes it can be resized to. A deallocated VM lists
 *   every size of the region.
 * - Deallocation releases a dynamic private IP; start assigns a new one: "IP addressing for Azure
 *   virtual networks" / "Private IP addresses" (learn.microsoft.com/azure/virtual-network/ip-services/private-ip-addresses).
 * - One Run Command at a time per VM (409 `Conflict` while one runs); output is the last 4,096 bytes:
 *   "Run scripts in your Linux VM by using action Run Commands", Restrictions (learn.microsoft.com/azure/virtual-machines/linux/run-command).
 * - Operations on a VM that is mid-operation are refused (409 `OperationNotAllowed`):
 *   "Troubleshoot ... OperationNotAllowed" / the Compute API's conflicting-operation errors.
 * - Throttling: 429 `TooManyRequests` with `Retry-After`: "Understand how Azure Resource Manager throttles requests"
 *   (learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling).
 * - Network security groups: at most 1,000 rules and 4,000 source/destination prefixes per NSG
 *   ("Azure subscription and service limits: Networking limits", learn.microsoft.com/azure/azure-resource-manager/management/azure-subscription-service-limits#networking-limits);
 *   priorities 100–4096, unique per direction ("Network security groups: Security rules",
 *   learn.microsoft.com/azure/virtual-network/network-security-groups-overview#security-rules); a rule's
 *   prefixes are of one IP version. The error codes are this double's; the limits are the documents'.
 * - Network interfaces, load balancers, Application Gateways and Front Door origins: the network
 *   half, test/support/arm-network-double.ts (its own rules and documents there).
 * - "Tags - Update At Scope": `Merge` adds tags; `Delete` removes the given names (with the given values).
 * - Metric alert rules ("Metric Alerts - Create Or Update", REST API 2018-03-01): a PUT is refused (400
 *   `BadRequest`) when Azure would refuse the rule: its name, tags, `location` (metric alert rules are
 *   `global`), the properties the API requires (severity, enabled, scopes, evaluationFrequency,
 *   windowSize, criteria), and its shape (criteria type against the scope, target type and region of a
 *   wide scope, conditions, platform metrics only, description length), each rule with its source in
 *   src/azure/cloud-contract.ts (the components' deploy-time check applies the same documents).
 * - Long-running operations answer 202 with `Azure-AsyncOperation` and complete when polled:
 *   "Track asynchronous Azure operations" (learn.microsoft.com/azure/azure-resource-manager/management/async-operations).
 */
import { randomUUID } from "node:crypto";
import { azureContractViolations } from "../../src/azure/cloud-contract.js";
import { NetworkDouble } from "./arm-network-double.js";

export const ARM_ORIGIN = "https://management.azure.com";
export const SUBSCRIPTION = "00000000-0000-0000-0000-0000000000aa";
export const RESOURCE_GROUP = "rg-web-prod";

/** The resource id of VM `name` in the test resource group. */
export function vmResourceId(name: string, group = RESOURCE_GROUP): string {
  return `/subscriptions/${SUBSCRIPTION}/resourceGroups/${group}/providers/Microsoft.Compute/virtualMachines/${name}`;
}

/** The resource id of network security group `name` in the test resource group. */
export function nsgResourceId(name: string): string {
  return `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.Network/networkSecurityGroups/${name}`;
}

/** One VM as the double keeps it. */
export interface DoubleVm {
  id: string;
  name: string;
  size: string;
  power: "running" | "deallocated" | "stopped";
  tags: Record<string, string>;
  /** Its region, as ARM returns it (`westeurope`). */
  location: string;
  /** The sizes its current hardware cluster offers (what `/vmSizes` lists while it runs). */
  clusterSizes: string[];
  /** `Dynamic` loses its address on deallocation; `Static` keeps it. */
  ipAllocation: "Dynamic" | "Static";
  privateIp: string | undefined;
  /** Scripts run by Run Command, in order. */
  commands: string[][];
  /** Its network interface (`<name>-nic`, as the components name it). */
  nicId: string;
}

/** One NSG security rule as the double keeps it. */
export interface NsgRule {
  name: string;
  properties: {
    priority: number;
    direction: "Inbound" | "Outbound";
    access: "Allow" | "Deny";
    protocol?: string;
    sourceAddressPrefixes?: string[];
    destinationAddressPrefixes?: string[];
    [key: string]: unknown;
  };
}

/** A fault for the next matching request. */
export interface Fault {
  /** Which request: e.g. `start`, `deallocate`, `resize`, `runCommand`, `get`, `vmSizes`, or any. */
  operation: string;
  /** `throttle`: 429 with Retry-After; `fail`: the operation ends Failed (as a long-running operation). */
  kind: "throttle" | "fail";
  /** How many matching requests it affects. @default 1 */
  times?: number;
  code?: string;
}

interface Operation {
  status: "InProgress" | "Succeeded" | "Failed";
  pollsLeft: number;
  complete: () => { output?: unknown; error?: { code: string; message: string } };
  result?: { output?: unknown; error?: { code: string; message: string } };
}

/** Every size of the test region the double knows (a deallocated VM may take any). */
export const REGION_SIZES = [
  "Standard_D2s_v5",
  "Standard_D4s_v5",
  "Standard_D8s_v5",
  "Standard_D16s_v5",
  "Standard_D32s_v5",
  "Standard_D48s_v5",
  "Standard_D64s_v5",
];

export class ArmDouble {
  readonly vms = new Map<string, DoubleVm>();
  /** Metric alerts by lowercased resource id: their body as PUT. */
  readonly alerts = new Map<
    string,
    { id: string; name: string; tags: Record<string, string>; properties: Record<string, unknown> }
  >();
  /** Network security groups by lowercased id: their rules by name. */
  readonly nsgs = new Map<string, { id: string; rules: Map<string, NsgRule> }>();
  /** Every request, `METHOD path` (no query), in order. */
  readonly log: string[] = [];
  /** The state-changing VM operations that were accepted, e.g. `resize web-1 Standard_D16s_v5`. */
  readonly actions: string[] = [];
  /** Polls a Run Command takes to finish (others finish at the first poll). */
  runCommandPolls = 1;
  /** What the VM's `personas-action` prints for a script (default: the script echoed). */
  commandOutput: (vm: DoubleVm, script: readonly string[]) => string = (_vm, script) => script.join("\n");
  private readonly faults: Fault[] = [];
  private readonly operations = new Map<string, Operation>();
  private readonly running = new Set<string>();
  private nextIp = 10;
  /** Network interfaces, load balancers, gateways and Front Door origins. */
  readonly network = new NetworkDouble(this.actions, (id) => this.nsgs.has(id.toLowerCase()));

  /** Adds a running VM. */
  addVm(name: string, options: Partial<Omit<DoubleVm, "id" | "name" | "nicId">> = {}): DoubleVm {
    const privateIp = options.privateIp ?? `10.0.0.${this.nextIp++}`;
    const vm: DoubleVm = {
      id: vmResourceId(name),
      name,
      size: options.size ?? "Standard_D8s_v5",
      power: options.power ?? "running",
      tags: options.tags ?? {},
      location: options.location ?? "westeurope",
      clusterSizes: options.clusterSizes ?? ["Standard_D2s_v5", "Standard_D4s_v5", "Standard_D8s_v5"],
      ipAllocation: options.ipAllocation ?? "Static",
      privateIp,
      commands: [],
      nicId: this.network.addNic(`${name}-nic`, privateIp),
    };
    this.vms.set(vm.id.toLowerCase(), vm);
    return vm;
  }

  /** Adds an empty network security group; returns its id. */
  addNsg(name: string): string {
    const id = nsgResourceId(name);
    this.nsgs.set(id.toLowerCase(), { id, rules: new Map() });
    return id;
  }

  /** The rules of an NSG, by priority. */
  nsgRules(id: string): NsgRule[] {
    return [...(this.nsgs.get(id.toLowerCase())?.rules.values() ?? [])].sort(
      (a, b) => a.properties.priority - b.properties.priority,
    );
  }

  /** The VM named `name`. */
  vm(name: string): DoubleVm {
    const vm = this.vms.get(vmResourceId(name).toLowerCase());
    if (vm === undefined) throw new Error(`the ARM double has no VM ${name}`);
    return vm;
  }

  /** Injects a fault for the next matching request(s). */
  inject(fault: Fault): void {
    this.faults.push({ times: 1, ...fault });
  }

  /** Reads made so far: GETs and Resource Graph queries (a POST that reads). */
  get reads(): number {
    return this.log.filter(
      (l) => l.startsWith("GET ") || /^POST \/providers\/Microsoft\.ResourceGraph\//i.test(l),
    ).length;
  }

  /** Writes made so far: every PUT, PATCH, DELETE and POST other than a Resource Graph query. */
  get writes(): number {
    return this.log.length - this.reads;
  }

  /** The `fetch` to give the runtime's ArmClient. */
  readonly fetch: typeof fetch = async (input, init) => {
    const url = new URL(typeof input === "string" || input instanceof URL ? input : input.url);
    const method = (init?.method ?? "GET").toUpperCase();
    this.log.push(`${method} ${url.pathname}`);
    if (
      !String((init?.headers as Record<string, string> | undefined)?.authorization ?? "").startsWith(
        "Bearer ",
      )
    ) {
      return json(401, { error: { code: "AuthenticationFailed", message: "no bearer token" } });
    }
    const body = init?.body ? (JSON.parse(String(init.body)) as Record<string, unknown>) : undefined;
    return this.route(method, url, body);
  };

  private takeFault(operation: string, kind: Fault["kind"]): Fault | undefined {
    const index = this.faults.findIndex(
      (f) => f.kind === kind && (f.operation === operation || f.operation === "any") && (f.times ?? 1) > 0,
    );
    if (index < 0) return undefined;
    const fault = this.faults[index]!;
    fault.times = (fault.times ?? 1) - 1;
    if (fault.times <= 0) this.faults.splice(index, 1);
    return fault;
  }

  private route(method: string, url: URL, body: Record<string, unknown> | undefined): Response {
    const path = url.pathname;
    const op = operationOf(method, path);
    if (this.takeFault(op, "throttle")) {
      // "Understand how Azure Resource Manager throttles requests": 429 and the seconds to wait.
      return json(429, { error: { code: "TooManyRequests", message: "throttled" } }, { "retry-after": "7" });
    }
    const opMatch =
      /^\/subscriptions\/[^/]+\/providers\/Microsoft\.Compute\/locations\/[^/]+\/operations\/([^/]+)$/.exec(
        path,
      );
    if (opMatch) return this.poll(opMatch[1]!);

    if (method === "POST" && /^\/providers\/Microsoft\.ResourceGraph\/resources$/i.test(path))
      return this.resourceGraph(body);

    const network = this.network.route(method, url, body);
    if (network !== undefined) return network;

    const nsgMatch =
      /^(\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/networkSecurityGroups\/[^/]+)\/securityRules(?:\/([^/]+))?$/i.exec(
        path,
      );
    if (nsgMatch) return this.securityRule(method, nsgMatch[1]!, nsgMatch[2], body);

    const alertMatch =
      /^(\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Insights\/(?:metricAlerts|scheduledQueryRules)\/[^/]+)$/i.exec(
        path,
      );
    if (alertMatch) return this.alert(method, alertMatch[1]!, body);

    const vmMatch =
      /^(\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Compute\/virtualMachines\/[^/]+)(\/[A-Za-z]+)?(\/providers\/Microsoft\.Resources\/tags\/default)?$/i.exec(
        path,
      );
    if (!vmMatch)
      return json(404, { error: { code: "InvalidResourceType", message: `no route ${method} ${path}` } });
    const vm = this.vms.get(vmMatch[1]!.toLowerCase());
    if (vm === undefined)
      return json(404, {
        error: { code: "ResourceNotFound", message: `The Resource '${vmMatch[1]}' was not found.` },
      });
    if (vmMatch[3]) return this.tags(vm, body);
    const sub = vmMatch[2] ?? "";
    if (method === "GET" && sub === "")
      return json(200, this.vmBody(vm, url.searchParams.get("$expand") === "instanceView"));
    if (method === "GET" && sub === "/vmSizes") {
      const sizes = vm.power === "running" ? vm.clusterSizes : REGION_SIZES;
      return json(200, { value: sizes.map((name) => ({ name })) });
    }
    if (this.running.has(vm.id.toLowerCase()) && sub !== "/runCommand") {
      return json(409, {
        error: {
          code: "OperationNotAllowed",
          message: `Operation on VM '${vm.name}' is not allowed: another operation is in progress.`,
        },
      });
    }
    if (method === "PATCH" && sub === "") return this.resize(vm, body);
    if (method === "POST" && sub === "/deallocate") return this.deallocate(vm);
    if (method === "POST" && sub === "/start") return this.start(vm);
    if (method === "POST" && sub === "/runCommand") return this.runCommand(vm, body);
    return json(404, { error: { code: "InvalidResourceType", message: `no route ${method} ${path}` } });
  }

  private vmBody(vm: DoubleVm, instanceView: boolean) {
    return {
      id: vm.id,
      name: vm.name,
      type: "Microsoft.Compute/virtualMachines",
      location: vm.location,
      tags: { ...vm.tags },
      properties: {
        hardwareProfile: { vmSize: vm.size },
        networkProfile: { networkInterfaces: [{ id: vm.nicId, properties: { primary: true } }] },
        provisioningState: "Succeeded",
        ...(instanceView
          ? {
              instanceView: {
                statuses: [{ code: "ProvisioningState/succeeded" }, { code: `PowerState/${vm.power}` }],
              },
            }
          : {}),
      },
    };
  }

  private resize(vm: DoubleVm, body: Record<string, unknown> | undefined): Response {
    const size = (body?.properties as { hardwareProfile?: { vmSize?: string } } | undefined)?.hardwareProfile
      ?.vmSize;
    if (size === undefined)
      return json(400, { error: { code: "InvalidParameter", message: "vmSize is required" } });
    if (!REGION_SIZES.includes(size)) {
      return json(400, {
        error: {
          code: "InvalidParameter",
          message: `The requested VM size ${size} is not available in the region.`,
        },
      });
    }
    if (vm.power === "running" && !vm.clusterSizes.includes(size)) {
      // "Resize a virtual machine": a size the current hardware cluster lacks needs a deallocated VM.
      return json(409, {
        error: {
          code: "OperationNotAllowed",
          message: `Unable to resize the VM '${vm.name}' because the requested size ${size} is not available in the current hardware cluster. The available sizes in this cluster are: ${vm.clusterSizes.join(",")}. Please deallocate the VM and retry.`,
        },
      });
    }
    return this.longRunning(vm, "resize", () => {
      vm.size = size;
      this.actions.push(`resize ${vm.name} ${size}${vm.power === "running" ? " (restarted)" : ""}`);
      return {};
    });
  }

  private deallocate(vm: DoubleVm): Response {
    return this.longRunning(vm, "deallocate", () => {
      vm.power = "deallocated";
      // "Private IP addresses": a dynamic address is released when the VM is deallocated.
      if (vm.ipAllocation === "Dynamic") vm.privateIp = undefined;
      this.actions.push(`deallocate ${vm.name}`);
      return {};
    });
  }

  private start(vm: DoubleVm): Response {
    return this.longRunning(vm, "start", () => {
      vm.power = "running";
      // Starting allocates the VM anew: its cluster now offers the size it has.
      if (!vm.clusterSizes.includes(vm.size)) vm.clusterSizes = [...vm.clusterSizes, vm.size];
      vm.privateIp ??= `10.0.0.${this.nextIp++}`;
      this.actions.push(`start ${vm.name}`);
      return {};
    });
  }

  private runCommand(vm: DoubleVm, body: Record<string, unknown> | undefined): Response {
    const key = vm.id.toLowerCase();
    if (this.running.has(key)) {
      // "Run scripts in your Linux VM by using action Run Commands": only one script can run at a time.
      return json(409, {
        error: {
          code: "Conflict",
          message:
            "Run command extension execution is in progress. Please wait for completion before invoking a run command.",
        },
      });
    }
    if (vm.power !== "running") {
      return json(409, {
        error: { code: "OperationNotAllowed", message: `VM '${vm.name}' is not running.` },
      });
    }
    const script = (body?.script as string[] | undefined) ?? [];
    return this.longRunning(
      vm,
      "runCommand",
      () => {
        vm.commands.push(script);
        this.actions.push(`runCommand ${vm.name} ${script.join(" ")}`);
        const output = Buffer.from(this.commandOutput(vm, script), "utf8");
        // Run Command returns at most the last 4,096 bytes of output.
        const message = output.subarray(Math.max(0, output.length - 4096)).toString("utf8");
        return { output: { value: [{ code: "ProvisioningState/succeeded", message }] } };
      },
      this.runCommandPolls,
    );
  }

  private tags(vm: DoubleVm, body: Record<string, unknown> | undefined): Response {
    const wanted = (body?.properties as { tags?: Record<string, string> } | undefined)?.tags ?? {};
    if (body?.operation === "Delete") {
      for (const [key, value] of Object.entries(wanted))
        if (vm.tags[key] !== undefined && (value === "" || vm.tags[key] === value)) delete vm.tags[key];
      this.actions.push(`untag ${vm.name} ${Object.keys(wanted).join(",")}`);
      return json(200, { properties: { tags: vm.tags } });
    }
    if (body?.operation !== "Merge")
      return json(400, { error: { code: "InvalidRequest", message: "only Merge and Delete are modelled" } });
    Object.assign(vm.tags, wanted);
    this.actions.push(
      `tag ${vm.name} ${Object.entries(wanted)
        .map(([k, v]) => `${k}=${v}`)
        .join(",")}`,
    );
    return json(200, { properties: { tags: vm.tags } });
  }

  private alert(method: string, id: string, body: Record<string, unknown> | undefined): Response {
    const key = id.toLowerCase();
    if (method === "GET") {
      const alert = this.alerts.get(key);
      return alert
        ? json(200, alert)
        : json(404, { error: { code: "ResourceNotFound", message: `The Resource '${id}' was not found.` } });
    }
    if (method === "PUT") {
      // Scheduled query rules (log search alerts) have their own shape; this check is the metric alerts'.
      const refused = /\/metricAlerts\//i.test(id) ? metricAlertProblems(id, body) : [];
      if (refused.length > 0)
        return json(400, { error: { code: "BadRequest", message: refused.join("; ") } });
      const alert = {
        id,
        name: id.slice(id.lastIndexOf("/") + 1),
        // A scheduled query rule's kind (LogAlert) is a top-level property ("Scheduled Query Rules - Create Or Update").
        ...(typeof body?.kind === "string" ? { kind: body.kind } : {}),
        tags: (body?.tags as Record<string, string> | undefined) ?? {},
        properties: (body?.properties as Record<string, unknown> | undefined) ?? {},
      };
      this.alerts.set(key, alert);
      this.actions.push(`putAlert ${alert.name}`);
      return json(200, alert);
    }
    if (method === "DELETE") {
      this.alerts.delete(key);
      this.actions.push(`deleteAlert ${id.slice(id.lastIndexOf("/") + 1)}`);
      return new Response(null, { status: 200 });
    }
    return json(405, { error: { code: "MethodNotAllowed", message: method } });
  }

  /**
   * Resource Graph "Resources" query for VMs of one resource group, paged by `$top` (at most 1,000
   * rows per page) and `$skipToken` ("Working with large Azure resource data sets", Microsoft Learn).
   */
  private resourceGraph(body: Record<string, unknown> | undefined): Response {
    const query = String(body?.query ?? "");
    const group = /resourceGroup =~ '([^']+)'/.exec(query)?.[1]?.toLowerCase();
    const options = (body?.options ?? {}) as { $top?: number; $skipToken?: string };
    const top = Math.min(options.$top ?? 1000, 1000);
    const skip = Number(options.$skipToken ?? "0");
    const rows = [...this.vms.values()]
      .filter((vm) => group === undefined || vm.id.toLowerCase().includes(`/resourcegroups/${group}/`))
      .map((vm) => ({ id: vm.id, location: vm.location, tags: { ...vm.tags } }));
    const page = rows.slice(skip, skip + top);
    return json(200, {
      totalRecords: rows.length,
      count: page.length,
      data: page,
      ...(skip + top < rows.length ? { $skipToken: String(skip + top) } : {}),
    });
  }

  private securityRule(
    method: string,
    nsgId: string,
    name: string | undefined,
    body: Record<string, unknown> | undefined,
  ): Response {
    const nsg = this.nsgs.get(nsgId.toLowerCase());
    if (nsg === undefined)
      return json(404, {
        error: { code: "ResourceNotFound", message: `The Resource '${nsgId}' was not found.` },
      });
    if (method === "GET" && name === undefined) return json(200, { value: this.nsgRules(nsgId) });
    if (name === undefined) return json(405, { error: { code: "MethodNotAllowed", message: method } });
    if (method === "DELETE") {
      nsg.rules.delete(name);
      this.actions.push(`deleteRule ${name}`);
      return new Response(null, { status: 200 });
    }
    if (method !== "PUT") return json(405, { error: { code: "MethodNotAllowed", message: method } });
    const rule = { name, properties: (body?.properties ?? {}) as NsgRule["properties"] };
    const problem = this.ruleProblem(nsg.rules, rule);
    if (problem) return json(400, { error: { code: problem.code, message: problem.message } });
    nsg.rules.set(name, rule);
    this.actions.push(
      `putRule ${name} ${rule.properties.priority} ${rule.properties.access} ${(rule.properties.sourceAddressPrefixes ?? []).length}`,
    );
    return json(200, rule);
  }

  private ruleProblem(
    rules: Map<string, NsgRule>,
    rule: NsgRule,
  ): { code: string; message: string } | undefined {
    const p = rule.properties;
    if (!Number.isInteger(p.priority) || p.priority < 100 || p.priority > 4096) {
      return {
        code: "SecurityRuleInvalidPriority",
        message: `Priority ${p.priority} of rule ${rule.name} is not between 100 and 4096.`,
      };
    }
    const others = [...rules.values()].filter((r) => r.name !== rule.name);
    const clash = others.find(
      (r) => r.properties.priority === p.priority && r.properties.direction === p.direction,
    );
    if (clash)
      return {
        code: "SecurityRuleConflict",
        message: `Rules ${clash.name} and ${rule.name} have the same priority ${p.priority} and direction ${p.direction}.`,
      };
    if (others.length + 1 > 1000)
      return {
        code: "SecurityRulesLimitReached",
        message: "A network security group holds at most 1,000 rules.",
      };
    const prefixes = (r: NsgRule) =>
      (r.properties.sourceAddressPrefixes?.length ?? 1) +
      (r.properties.destinationAddressPrefixes?.length ?? 1);
    const total = others.reduce((sum, r) => sum + prefixes(r), 0) + prefixes(rule);
    if (total > 4000)
      return {
        code: "SecurityRulePrefixLimitReached",
        message: `A network security group holds at most 4,000 prefixes; this write makes ${total}.`,
      };
    const families = new Set((p.sourceAddressPrefixes ?? []).map((prefix) => (prefix.includes(":") ? 6 : 4)));
    if (families.size > 1)
      return {
        code: "SecurityRuleInvalidAddressPrefix",
        message: `Rule ${rule.name} mixes IPv4 and IPv6 prefixes.`,
      };
    return undefined;
  }

  /** Starts an operation that completes (or fails, if a fault says so) after `polls` polls. */
  private longRunning(vm: DoubleVm, name: string, effect: Operation["complete"], polls = 1): Response {
    const id = randomUUID();
    const key = vm.id.toLowerCase();
    const fault = this.takeFault(name, "fail");
    this.running.add(key);
    this.operations.set(id, {
      status: "InProgress",
      pollsLeft: polls,
      complete: () => {
        this.running.delete(key);
        if (fault) {
          this.actions.push(`failed ${name} ${vm.name}`);
          return {
            error: { code: fault.code ?? "InternalExecutionError", message: `${name} failed (injected)` },
          };
        }
        return effect();
      },
    });
    const location = vm.id.split("/")[2];
    return json(202, undefined, {
      "azure-asyncoperation": `${ARM_ORIGIN}/subscriptions/${location}/providers/Microsoft.Compute/locations/westeurope/operations/${id}`,
      "retry-after": "0",
    });
  }

  private poll(id: string): Response {
    const operation = this.operations.get(id);
    if (operation === undefined)
      return json(404, { error: { code: "NotFound", message: `no operation ${id}` } });
    if (operation.status === "InProgress" && --operation.pollsLeft <= 0) {
      operation.result = operation.complete();
      operation.status = operation.result.error ? "Failed" : "Succeeded";
    }
    return json(
      200,
      {
        status: operation.status,
        ...(operation.result?.error ? { error: operation.result.error } : {}),
        ...(operation.result?.output ? { properties: { output: operation.result.output } } : {}),
      },
      { "retry-after": "0" },
    );
  }
}

/** Properties "Metric Alerts - Create Or Update" requires in every rule. */
const REQUIRED_ALERT_PROPERTIES = [
  "severity",
  "enabled",
  "scopes",
  "evaluationFrequency",
  "windowSize",
  "criteria",
] as const;

/** Why Azure would refuse this metric alert rule (empty when it would not). */
function metricAlertProblems(id: string, body: Record<string, unknown> | undefined): string[] {
  const properties = (body?.properties ?? {}) as Record<string, unknown>;
  const problems: string[] = [];
  if (String(body?.location ?? "").toLowerCase() !== "global")
    problems.push(`location '${String(body?.location)}': metric alert rules are global`);
  for (const name of REQUIRED_ALERT_PROPERTIES)
    if (properties[name] === undefined) problems.push(`properties.${name} is required`);
  const { "odata.type": odataType, ...criteria } = (properties.criteria ?? {}) as Record<string, unknown>;
  const ruleName = decodeURIComponent(id.slice(id.lastIndexOf("/") + 1));
  const violations = azureContractViolations([
    {
      type: "azure-native:monitor:MetricAlert",
      name: ruleName,
      inputs: { ...properties, ruleName, tags: body?.tags ?? {}, criteria: { odataType, ...criteria } },
    },
  ]);
  for (const v of violations) problems.push(`${v.input} '${v.value}' ${v.problem}`);
  return problems;
}

function operationOf(method: string, path: string): string {
  if (path.includes("/operations/")) return "poll";
  if (path.endsWith("/vmSizes")) return "vmSizes";
  if (path.endsWith("/deallocate")) return "deallocate";
  if (path.endsWith("/start")) return "start";
  if (path.endsWith("/runCommand")) return "runCommand";
  if (path.endsWith("/tags/default")) return "tags";
  if (path.includes("/metricAlerts/") || path.includes("/scheduledQueryRules/"))
    return `alert-${method.toLowerCase()}`;
  if (path.includes("/securityRules")) return `rule-${method.toLowerCase()}`;
  return method === "PATCH" ? "resize" : "get";
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}
