/** Run command: what the command does is outside the model; recorded for the timeline. */
import { type ActionEffect, recordedEffect } from "./effect.js";

export const runCommandEffect: ActionEffect = recordedEffect("run-command");
