"""Where a person is signed in: their sessions, and ending them (issue 14)."""
