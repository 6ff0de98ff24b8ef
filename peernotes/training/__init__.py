"""Peer workers' training records, by form or CSV import, and whether each module is current:
what the consent decision reads for `training_lapsed`."""
