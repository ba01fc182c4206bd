// Placeholder entry: replaced by the verifier core (issue 2).
export function abiVersion(): u32 {
  return 1;
}
