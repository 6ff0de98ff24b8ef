"""The FHIR R4 read API under `/fhir` (being built)."""
