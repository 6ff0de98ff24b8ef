"""Operating PeerNotes: readiness checks and the server's structured log lines."""
