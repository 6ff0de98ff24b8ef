"""The contact log: a peer worker records that a contact happened, without a note, gently marked
when it falls outside the support agreement in force."""
