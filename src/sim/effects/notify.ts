/** Notify: a message leaves the instance; recorded for the timeline. */
import { type ActionEffect, recordedEffect } from "./effect.js";

export const notifyEffect: ActionEffect = recordedEffect("notify");
