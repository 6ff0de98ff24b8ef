"""A consumer's "my wishes" at a transition (an admission or a discharge), read by their care
team, who answer it in writing."""
