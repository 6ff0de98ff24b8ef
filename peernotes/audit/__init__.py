"""The access log: its tamper-evident chain, the only writer, and the vocabulary features log in."""
