"""python3 -m mojo_record: the mojo-record command."""
import sys

from mojo_record._cli import main

if __name__ == "__main__":
    sys.exit(main())
