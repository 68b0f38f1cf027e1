"""The care plan domain: plain objects and pure functions, no I/O."""
