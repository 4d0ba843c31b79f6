// What a failed command prints: a user's mistake or a board's or link's failure is one line
// that names the thing, the place and the reason (exit 2 for bad input, 1 for a failure); only
// a bug in synergy itself is "internal", and stack traces are shown only with SYNERGY_DEBUG=1.

import { UsageError } from './args.js';
import { CommandFailure, EXIT } from './command.js';

/** Errors of bad input: the user changes a file or an option (exit 2). */
const INPUT_ERRORS = ['UsageError', 'SpecError', 'TensorFileError', 'OutputPathError'];
/**
 * Errors a user acts on by looking at the boards, links, models or files named in the message
 * (exit 1): none of them is a bug in synergy.
 */
const FAILURES = [
  'CommandFailure', 'SplitError', 'ProtocolError', 'SessionError', 'FitMismatchError', 'TensorShapeError', 'UploadAbortedError',
  'ModelError', 'ExecError', 'EmulatorNotBuiltError', 'EmulatorExitedError', 'UnsupportedMessageError', 'BoardNotFoundError',
  'DeployError', 'PortBusyError', 'UnknownModelError', 'UnknownPolicyError', 'DeskSourceError',
];

export interface Explained {
  code: number;
  text: string;
}

/** The exit code and the lines to print for an error a command ended with. */
export function explainError(command: string, e: unknown, debug: boolean): Explained {
  const err = e instanceof Error ? e : new Error(String(e));
  const stack = debug && err.stack ? `\n${err.stack}` : '';
  if (err instanceof UsageError) return { code: EXIT.usage, text: err.message + stack };
  if (INPUT_ERRORS.includes(err.name)) return { code: EXIT.usage, text: `synergy ${command}: ${err.message}${stack}` };
  if (err instanceof CommandFailure || FAILURES.includes(err.name)) return { code: EXIT.failure, text: `synergy ${command}: ${err.message}${stack}` };
  const hint = debug ? '' : ' (SYNERGY_DEBUG=1 shows where)';
  return { code: EXIT.failure, text: `synergy ${command}: internal error: ${err.name === 'Error' ? '' : `${err.name}: `}${err.message}${hint}${stack}` };
}
