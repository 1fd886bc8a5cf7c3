"""`python -m planalign`: the same as the `planalign` console script."""

from planalign.cli import main

main()
