"""``python -m truce``: the ``truce`` command, for an environment whose scripts folder is not on the PATH."""

from truce.cli import main

main()
