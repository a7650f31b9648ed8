"""`python -m checker.samplegen OUT_DIR`: (re)write the named sample submissions into OUT_DIR."""

from __future__ import annotations

import sys
from pathlib import Path

from checker.samplegen import generate_samples


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or args[0].startswith("-"):
        print("usage: python -m checker.samplegen OUT_DIR", file=sys.stderr)
        return 2
    generate_samples(Path(args[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
