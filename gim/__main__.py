"""Run gim with ``python -m gim``."""

from gim.cli import main

if __name__ == "__main__":
    main()
