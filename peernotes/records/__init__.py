"""The medical record: entries and their append-only, encrypted revisions, whose content is
written and read only through `service`, and the record pages."""
