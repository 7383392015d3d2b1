"""``python -m registry_kernel`` is the ``registry`` command."""

from .cli import main

main()
