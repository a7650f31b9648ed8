"""`python -m checker` runs the command line."""

from checker.cli import run

if __name__ == "__main__":
    run()
