"""Copies the top-level `rules/` and `schemas/` folders into the wheel as `checker/_data/`."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildWithData(build_py):
    """build_py that also packages the round data and the JSON Schemas."""

    def run(self) -> None:
        super().run()
        for name in ("rules", "schemas"):
            target = Path(self.build_lib) / "checker" / "_data" / name
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(ROOT / name, target)


setup(cmdclass={"build_py": BuildWithData})
