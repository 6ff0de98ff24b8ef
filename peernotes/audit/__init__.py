"""The access log: the pure hash chain, its one writer, reading, verification, signed
checkpoints, and service steps that roll back a refused step but keep its refusal on the log.
Its pages are in `accesslog`."""
