"""Pure domain layer: value types, errors, rules and the verification lifecycle (no Qt, no I/O)."""
