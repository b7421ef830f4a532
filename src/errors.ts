/**
 * Errors the CLI turns into one red line plus a hint. Anything else is a bug and shows a stack with --debug.
 */
export class UserError extends Error {
  override readonly name = 'UserError';
  constructor(
    message: string,
    /** What the user can do next; printed under the message. */
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** Wrong flags or arguments: exit code 2, like a usage error. */
export class UsageError extends UserError {
  override readonly name = 'UsageError' as 'UserError';
}

/** A list of problems found in one pass (values validation reports all of them, not just the first). */
export class ValidationError extends UserError {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
    hint?: string,
  ) {
    // One problem is one line (a script greps it); several are listed under the first line.
    super(
      problems.length === 1
        ? `invalid ${source}: ${problems[0]}`
        : `invalid ${source}:\n  - ${problems.join('\n  - ')}`,
      hint,
    );
  }
}
