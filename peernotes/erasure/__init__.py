"""Retention and erasure: a person's erasure request, crypto-shredding of their peer-space
notes, and carrying out the rest at the end of the retention period."""
