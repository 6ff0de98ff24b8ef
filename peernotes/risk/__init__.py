"""Risk concerns (duty of care): raised by a peer worker about someone in their care, read by the
care team and the worker's supervisor at once, and by the subject unless a clinician delays it."""
