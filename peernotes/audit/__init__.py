"""The access log: the pure hash chain, the one writer, service steps, verification and
checkpoints. A leaf: it imports nothing of the features."""
