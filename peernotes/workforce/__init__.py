"""The peer workforce, one package per part: profiles, choosing a peer worker, support
agreements, the contact log and groups. `vocabulary` holds the words profiles and wishes share."""
