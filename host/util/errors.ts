/**
 * The two kinds of failure every command line and script reports without a stack trace (exit
 * status 2 in DESIGN.md "Command line"): wrong arguments, and an environment that is not as
 * needed. They live at the bottom of the tree so that lab files, ports, suites, the virtual
 * board and the scripts can raise them without importing the command line.
 */

/** Wrong arguments: exit 2 and point at `--help`. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The environment is not as needed (missing file, port absent, unreadable key, unusable state directory): exit 2. */
export class EnvironmentError extends Error {
  override name = 'EnvironmentError';
}
