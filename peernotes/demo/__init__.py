"""The demo service that `peernotes demo load` writes: one team, its people, their records, notes
and workforce. Development only; only the command line imports it."""
