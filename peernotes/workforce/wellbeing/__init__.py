"""Care for the peer workforce: workplace concerns a peer worker raises privately with the one
reader they choose, and the topics they would rather not read in detail (content notes)."""
