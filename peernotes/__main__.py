"""`python -m peernotes` is the same as the `peernotes` command."""

from peernotes.cli import main

main()
