"""Safety flags: a clinician in a consumer's care marks a family-violence or serious-harm risk,
which shuts every carer and carer peer worker out of that consumer's information."""
