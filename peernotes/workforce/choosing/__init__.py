"""Choosing a peer worker: wishes, pure matching (`matching`), requests the coordinator confirms
or declines, and the handover summary from the previous worker."""
