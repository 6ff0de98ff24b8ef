"""Keys and sealing: the master keyring, each subject's data key wrapped by it, sealing under that
key with row-bound associated data, and `keys rotate`. Features hand in bytes, never keys."""
