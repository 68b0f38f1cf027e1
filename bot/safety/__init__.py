"""Safety: finding disclosures of risk, and the help to signpost."""
