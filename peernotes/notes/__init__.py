"""Co-authored notes, written with the person they are about: the pure lifecycle table, the
service, the timeline, the recovery-oriented language suggestions, and the notes pages."""
