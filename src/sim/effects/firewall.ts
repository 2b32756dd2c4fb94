/** List feeds drive the firewall: the engine applies their lists with the last-good-list rule (a fleet-wide IP set, not the instance), so the action itself is only recorded. */
import { type ActionEffect, recordedEffect } from "./effect.js";

export const firewallEffect: ActionEffect = recordedEffect("firewall");
