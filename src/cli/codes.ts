/**
 * Diagnostic codes of the command line itself (KV00xx); docs/diagnostics.md documents each and
 * test/cli-contract.test.ts checks that they match.
 */
export const CLI_CODES = {
  KV0001: 'bad command-line arguments (unknown command or option, bad value, missing argument)',
  KV0002: "a rule set with no `on enable` or `on disable` rules given as the kernel's rules",
  KV0003: "a plan's `initial` stack cannot be loaded: the kernel refuses one of its patches",
} satisfies Record<string, string>;
