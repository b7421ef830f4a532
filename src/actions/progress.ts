/**
 * How an action reports what it is doing. The CLI shows a spinner on a terminal and plain lines elsewhere;
 * actions only say what happens.
 */
export interface Progress {
  /** A step that happened ("created revision 2"). */
  info(message: string): void;
  /** Something the user should know but that does not stop the action. */
  warn(message: string): void;
  /** What is being waited for now; replaces the previous waiting line. */
  waiting(message: string): void;
  /** Waiting is over. */
  doneWaiting(): void;
}
