"""Locate the data folders (``rules/``, ``schemas/``) in a checkout or in an installed wheel."""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """Return the directory holding the data folder ``name`` (e.g. ``"rules"``).

    An installed wheel carries the top-level folders as ``checker/_data/<name>``; a checkout
    (including an editable install) has them at ``<repo>/<name>``.
    """
    installed = _PACKAGE_DIR / "_data" / name
    if installed.is_dir():
        return installed
    return _PACKAGE_DIR.parent / name
