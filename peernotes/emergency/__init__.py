"""Break the glass: a clinician's time-limited, read-only emergency access to a consumer's
record, and the auditors' review of each use."""
