/**
 * The network half of the ARM double (test/support/arm-double.ts): network interfaces, load
 * balancers, Application Gateways and Front Door origins, as the traffic and isolate responders use
 * them. It refuses what Azure refuses, each rule citing the document it follows (the error codes are
 * this double's where the document names none; the rules are the documents'):
 *
 * - A NIC is written whole: "Network Interfaces - Create Or Update" (PUT) needs `location` and at least
 *   one ip configuration with a name and a subnet; what the body leaves out is gone afterwards (an NSG
 *   or pool left out of the PUT is removed). "Network Interfaces - Update Tags" (PATCH) changes tags
 *   only: a PATCH that carries `properties` is refused.
 * - A NIC may refer only to resources that exist: a pool or NSG id that names nothing is refused
 *   (400 `InvalidResourceReference`, "Troubleshoot common Azure deployment errors").
 * - "Load Balancer Load Balancing Rules - Health" and "Application Gateways - Backend Health" are
 *   long-running POSTs: 202 with `Location`; the Location answers 202 while running, then 200 with
 *   the result ("Track asynchronous Azure operations"). The result lists each backend of the pool
 *   with its NIC ip configuration and state (`Up`/`Down` for the load balancer; `Up`, `Down`,
 *   `Partial`, `Draining`, `Unknown` for the gateway).
 * - "AFD Origins - Update": `weight` is a whole number from 1 to 1000, otherwise 400.
 */
import { randomUUID } from "node:crypto";

const SUBSCRIPTION = "00000000-0000-0000-0000-0000000000aa";
const GROUP = "rg-web-prod";
const NETWORK_GROUP = "rg-network";

type Json = Record<string, unknown>;

/** A NIC as the double keeps it: the ARM body. */
export interface DoubleNic {
  id: string;
  name: string;
  location: string;
  tags?: Record<string, string>;
  properties: {
    ipConfigurations: {
      id: string;
      name: string;
      properties: {
        privateIPAddress?: string;
        subnet?: { id: string };
        primary?: boolean;
        loadBalancerBackendAddressPools?: { id: string }[];
        applicationGatewayBackendAddressPools?: { id: string }[];
        [key: string]: unknown;
      };
    }[];
    networkSecurityGroup?: { id: string } | null;
    [key: string]: unknown;
  };
}

/** The subnet every double NIC is in (another group, as the components' users usually have it). */
export const SUBNET_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${NETWORK_GROUP}/providers/Microsoft.Network/virtualNetworks/vnet/subnets/web`;

/** Resource ids of the network test resources. */
export const networkIds = {
  loadBalancer: (name: string) =>
    `/subscriptions/${SUBSCRIPTION}/resourceGroups/${NETWORK_GROUP}/providers/Microsoft.Network/loadBalancers/${name}`,
  applicationGateway: (name: string) =>
    `/subscriptions/${SUBSCRIPTION}/resourceGroups/${NETWORK_GROUP}/providers/Microsoft.Network/applicationGateways/${name}`,
  origin: (profile: string, group: string, origin: string) =>
    `/subscriptions/${SUBSCRIPTION}/resourceGroups/${NETWORK_GROUP}/providers/Microsoft.Cdn/profiles/${profile}/originGroups/${group}/origins/${origin}`,
  nsg: (name: string) =>
    `/subscriptions/${SUBSCRIPTION}/resourceGroups/${NETWORK_GROUP}/providers/Microsoft.Network/networkSecurityGroups/${name}`,
  nic: (name: string) =>
    `/subscriptions/${SUBSCRIPTION}/resourceGroups/${GROUP}/providers/Microsoft.Network/networkInterfaces/${name}`,
};

interface Balancer {
  id: string;
  name: string;
  kind: "load-balancer" | "application-gateway";
  pools: string[];
  /** Load-balancing rule name → pool name (load balancers only). */
  rules: Record<string, string>;
}

export class NetworkDouble {
  readonly nics = new Map<string, DoubleNic>();
  readonly balancers = new Map<string, Balancer>();
  readonly origins = new Map<string, { id: string; weight: number }>();
  /** Network security groups that exist besides the ARM double's own (by lowercased id). */
  readonly nsgIds = new Set<string>();
  /** Health probe state per NIC ip configuration id (lowercased); default `Up`. */
  readonly backendState = new Map<string, string>();
  private readonly results = new Map<string, { pollsLeft: number; result: () => unknown }>();

  constructor(
    private readonly actions: string[],
    private readonly nsgExists: (id: string) => boolean,
  ) {}

  /** Adds a NIC with one ip configuration `primary` in {@link SUBNET_ID}; returns its id. */
  addNic(name: string, privateIp: string | undefined): string {
    const id = networkIds.nic(name);
    this.nics.set(id.toLowerCase(), {
      id,
      name,
      location: "westeurope",
      properties: {
        ipConfigurations: [
          {
            id: `${id}/ipConfigurations/primary`,
            name: "primary",
            properties: {
              ...(privateIp ? { privateIPAddress: privateIp } : {}),
              privateIPAllocationMethod: "Static",
              primary: true,
              subnet: { id: SUBNET_ID },
            },
          },
        ],
        provisioningState: "Succeeded",
      },
    });
    return id;
  }

  /** The NIC named `name`. */
  nic(name: string): DoubleNic {
    const nic = this.nics.get(networkIds.nic(name).toLowerCase());
    if (nic === undefined) throw new Error(`the ARM double has no NIC ${name}`);
    return nic;
  }

  /** The pool ids a NIC's ip configurations are in, sorted. */
  poolsOf(name: string): string[] {
    return this.nic(name)
      .properties.ipConfigurations.flatMap((c) => [
        ...(c.properties.loadBalancerBackendAddressPools ?? []),
        ...(c.properties.applicationGatewayBackendAddressPools ?? []),
      ])
      .map((p) => p.id)
      .sort();
  }

  /** Adds a load balancer with pools and rules (rule name → pool name); returns its id. */
  addLoadBalancer(name: string, pools: string[], rules: Record<string, string>): string {
    const id = networkIds.loadBalancer(name);
    this.balancers.set(id.toLowerCase(), { id, name, kind: "load-balancer", pools, rules });
    return id;
  }

  /** Adds an Application Gateway with pools; returns its id. */
  addApplicationGateway(name: string, pools: string[]): string {
    const id = networkIds.applicationGateway(name);
    this.balancers.set(id.toLowerCase(), { id, name, kind: "application-gateway", pools, rules: {} });
    return id;
  }

  /** Adds a Front Door origin with a weight; returns its id. */
  addOrigin(profile: string, group: string, origin: string, weight: number): string {
    const id = networkIds.origin(profile, group, origin);
    this.origins.set(id.toLowerCase(), { id, weight });
    return id;
  }

  /** Adds an NSG outside the fleet's group (e.g. the user's own quarantine NSG); returns its id. */
  addNsg(name: string): string {
    const id = networkIds.nsg(name);
    this.nsgIds.add(id.toLowerCase());
    return id;
  }

  /** Puts a NIC's primary ip configuration in a pool (as the user's deployment did). */
  join(nicName: string, poolId: string): void {
    const config = this.nic(nicName).properties.ipConfigurations[0]!;
    const key = /\/applicationGateways\//i.test(poolId)
      ? "applicationGatewayBackendAddressPools"
      : "loadBalancerBackendAddressPools";
    config.properties[key] = [...(config.properties[key] ?? []), { id: poolId }];
  }

  /** Answers a network request, or undefined when the path is not a network one. */
  route(method: string, url: URL, body: Json | undefined): Response | undefined {
    const path = url.pathname;
    const result =
      /^\/subscriptions\/[^/]+\/providers\/Microsoft\.Network\/locations\/[^/]+\/operationResults\/([^/]+)$/i.exec(
        path,
      );
    if (result) return this.poll(result[1]!);
    const nic =
      /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/networkInterfaces\/[^/]+$/i.exec(
        path,
      );
    if (nic) return this.nicRequest(method, path, body);
    const health =
      /^(\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/loadBalancers\/[^/]+)\/loadBalancingRules\/([^/]+)\/health$/i.exec(
        path,
      );
    if (health && method === "POST") return this.ruleHealth(health[1]!, decodeURIComponent(health[2]!));
    const backendHealth =
      /^(\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/applicationGateways\/[^/]+)\/backendhealth$/i.exec(
        path,
      );
    if (backendHealth && method === "POST") return this.gatewayHealth(backendHealth[1]!);
    const lb =
      /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/loadBalancers\/[^/]+$/i.exec(
        path,
      );
    if (lb && method === "GET") return this.loadBalancer(path);
    const origin =
      /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Cdn\/profiles\/[^/]+\/originGroups\/[^/]+\/origins\/[^/]+$/i.exec(
        path,
      );
    if (origin) return this.origin(method, path, body);
    return undefined;
  }

  private nicRequest(method: string, id: string, body: Json | undefined): Response {
    const nic = this.nics.get(id.toLowerCase());
    if (method === "GET") return nic ? json(200, nic) : notFound(id);
    if (nic === undefined) return notFound(id);
    if (method === "PATCH") {
      // "Network Interfaces - Update Tags": the body is `{ tags }` and nothing else.
      if (body?.properties !== undefined)
        return json(400, {
          error: {
            code: "InvalidRequestContent",
            message:
              "Network Interfaces - Update Tags changes tags only; write the NIC with Create Or Update.",
          },
        });
      nic.tags = (body?.tags as Record<string, string> | undefined) ?? {};
      return json(200, nic);
    }
    if (method !== "PUT") return json(405, { error: { code: "MethodNotAllowed", message: method } });
    const problem = this.nicProblem(id, body);
    if (problem) return json(400, { error: problem });
    const properties = body!.properties as DoubleNic["properties"];
    // Create Or Update replaces the NIC: what the body leaves out is gone.
    const written: DoubleNic = {
      id: nic.id,
      name: nic.name,
      location: String(body!.location),
      ...(body!.tags ? { tags: body!.tags as Record<string, string> } : {}),
      properties: {
        ...properties,
        ipConfigurations: properties.ipConfigurations.map((c) => ({
          ...c,
          id: `${nic.id}/ipConfigurations/${c.name}`,
        })),
        provisioningState: "Succeeded",
      },
    };
    this.nics.set(id.toLowerCase(), written);
    this.actions.push(
      `putNic ${nic.name} pools=[${this.poolsOf(nic.name).map(shortId).join(",")}] nsg=${
        written.properties.networkSecurityGroup?.id
          ? shortId(written.properties.networkSecurityGroup.id)
          : "none"
      }`,
    );
    return json(200, written);
  }

  private nicProblem(id: string, body: Json | undefined): { code: string; message: string } | undefined {
    if (typeof body?.location !== "string")
      return { code: "LocationRequired", message: "The location property is required for this definition." };
    const properties = body.properties as DoubleNic["properties"] | undefined;
    const configs = properties?.ipConfigurations;
    if (!Array.isArray(configs) || configs.length === 0)
      return {
        code: "NetworkInterfaceMustHaveAtLeastOneIpConfiguration",
        message: `Network interface ${id} must have at least one IP configuration.`,
      };
    for (const c of configs) {
      if (typeof c.name !== "string" || typeof c.properties?.subnet?.id !== "string")
        return {
          code: "InvalidRequestFormat",
          message: `IP configuration ${c.name ?? "(unnamed)"} of ${id} needs a name and a subnet.`,
        };
      for (const pool of [
        ...(c.properties.loadBalancerBackendAddressPools ?? []),
        ...(c.properties.applicationGatewayBackendAddressPools ?? []),
      ])
        if (!this.poolExists(pool.id)) return invalidReference(pool.id, id);
    }
    const nsg = properties?.networkSecurityGroup?.id;
    if (nsg !== undefined && !this.nsgIds.has(nsg.toLowerCase()) && !this.nsgExists(nsg))
      return invalidReference(nsg, id);
    return undefined;
  }

  private poolExists(poolId: string): boolean {
    const match = /^(.*)\/backendAddressPools\/([^/]+)$/i.exec(poolId);
    const balancer = match ? this.balancers.get(match[1]!.toLowerCase()) : undefined;
    return balancer?.pools.includes(match![2]!) ?? false;
  }

  /** The NIC ip configurations in a pool, with their state. */
  private backends(poolId: string) {
    return [...this.nics.values()].flatMap((nic) =>
      nic.properties.ipConfigurations
        .filter((c) =>
          [
            ...(c.properties.loadBalancerBackendAddressPools ?? []),
            ...(c.properties.applicationGatewayBackendAddressPools ?? []),
          ].some((p) => p.id.toLowerCase() === poolId.toLowerCase()),
        )
        .map((c) => ({
          ipAddress: c.properties.privateIPAddress,
          ipConfigurationId: c.id,
          state: this.backendState.get(c.id.toLowerCase()) ?? "Up",
        })),
    );
  }

  private loadBalancer(id: string): Response {
    const lb = this.balancers.get(id.toLowerCase());
    if (lb === undefined || lb.kind !== "load-balancer") return notFound(id);
    return json(200, {
      id: lb.id,
      name: lb.name,
      properties: {
        backendAddressPools: lb.pools.map((p) => ({ id: `${lb.id}/backendAddressPools/${p}`, name: p })),
        loadBalancingRules: Object.entries(lb.rules).map(([rule, pool]) => ({
          id: `${lb.id}/loadBalancingRules/${rule}`,
          name: rule,
          properties: { backendAddressPool: { id: `${lb.id}/backendAddressPools/${pool}` } },
        })),
      },
    });
  }

  private ruleHealth(lbId: string, rule: string): Response {
    const lb = this.balancers.get(lbId.toLowerCase());
    const pool = lb?.rules[rule];
    if (lb === undefined || pool === undefined) return notFound(`${lbId}/loadBalancingRules/${rule}`);
    return this.started(() => {
      const backends = this.backends(`${lb.id}/backendAddressPools/${pool}`);
      return {
        up: backends.filter((b) => b.state === "Up").length,
        down: backends.filter((b) => b.state !== "Up").length,
        loadBalancerBackendAddresses: backends.map((b) => ({
          ipAddress: b.ipAddress,
          networkInterfaceIPConfigurationId: b.ipConfigurationId,
          state: b.state === "Up" ? "Up" : "Down",
          reason: b.state === "Up" ? "Up" : "Probes failing",
        })),
      };
    });
  }

  private gatewayHealth(gatewayId: string): Response {
    const gateway = this.balancers.get(gatewayId.toLowerCase());
    if (gateway === undefined || gateway.kind !== "application-gateway") return notFound(gatewayId);
    return this.started(() => ({
      backendAddressPools: gateway.pools.map((pool) => {
        const id = `${gateway.id}/backendAddressPools/${pool}`;
        return {
          backendAddressPool: { id },
          backendHttpSettingsCollection: [
            {
              backendHttpSettings: { id: `${gateway.id}/backendHttpSettingsCollection/http` },
              servers: this.backends(id).map((b) => ({
                address: b.ipAddress,
                ipConfiguration: { id: b.ipConfigurationId },
                health: b.state,
              })),
            },
          ],
        };
      }),
    }));
  }

  private origin(method: string, id: string, body: Json | undefined): Response {
    const origin = this.origins.get(id.toLowerCase());
    if (origin === undefined) return notFound(id);
    if (method === "PATCH") {
      const weight = (body?.properties as { weight?: unknown } | undefined)?.weight;
      if (typeof weight !== "number" || !Number.isInteger(weight) || weight < 1 || weight > 1000)
        return json(400, {
          error: {
            code: "BadRequest",
            message: `Weight of the origin must be between 1 and 1000; got ${weight}.`,
          },
        });
      origin.weight = weight;
      this.actions.push(`originWeight ${id.split("/").pop()} ${weight}`);
    } else if (method !== "GET") return json(405, { error: { code: "MethodNotAllowed", message: method } });
    return json(200, {
      id: origin.id,
      name: id.split("/").pop(),
      properties: { weight: origin.weight, hostName: "origin.example.com" },
    });
  }

  /** A long-running POST: 202 with Location; the Location answers 202 once, then 200 with the result. */
  private started(result: () => unknown): Response {
    const id = randomUUID();
    this.results.set(id, { pollsLeft: 1, result });
    return new Response(null, {
      status: 202,
      headers: {
        location: `https://management.azure.com/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Network/locations/westeurope/operationResults/${id}?api-version=2024-05-01`,
        "retry-after": "0",
      },
    });
  }

  private poll(id: string): Response {
    const operation = this.results.get(id);
    if (operation === undefined)
      return json(404, { error: { code: "NotFound", message: `no operation ${id}` } });
    if (operation.pollsLeft-- > 0)
      return new Response(null, { status: 202, headers: { location: "same", "retry-after": "0" } });
    this.results.delete(id);
    return json(200, operation.result());
  }
}

/** `<parent>/<type>/<name>` of an id, for the action log. */
function shortId(id: string): string {
  return id.split("/").slice(-3).join("/");
}

function invalidReference(ref: string, by: string) {
  return {
    code: "InvalidResourceReference",
    message: `Resource ${ref} referenced by resource ${by} was not found. Please make sure that the referenced resource exists.`,
  };
}

function notFound(id: string): Response {
  return json(404, { error: { code: "ResourceNotFound", message: `The Resource '${id}' was not found.` } });
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}
