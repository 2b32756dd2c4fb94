/** Errors of the command-line interface. */
import { PersonasError } from "../errors.js";

/** Bad command-line usage (unknown command or flag, missing argument, unreadable path): exit code 2. */
export class UsageError extends PersonasError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("CLI_USAGE", message, options);
  }
}
