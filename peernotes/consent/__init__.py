"""A consumer's consent: versioned directives and their provisions, changing them (by the
consumer, or recorded with them present), the preview of what someone else sees, and the
consent pages. The decision that weighs consent is in `access`."""
