"""Co-authored notes: peer notes and carer-support notes, written with the person they are about."""
