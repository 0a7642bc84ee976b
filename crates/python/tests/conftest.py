"""Shared fixtures: the `sasd` program built from the same sources, for comparisons."""

import os
import pathlib
import shutil
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]


def _cli():
    for c in (os.environ.get("SASD_CLI"), ROOT / "target" / "release" / "sasd", shutil.which("sasd")):
        if c and pathlib.Path(c).is_file():
            return str(c)
    return None


@pytest.fixture(scope="session")
def cli():
    """Runs the `sasd` command-line program (the Rust library's own front door)."""
    path = _cli()
    if path is None:
        pytest.skip("the sasd program is not built (cargo build --release, or set SASD_CLI)")

    def run(*args):
        return subprocess.run([path, *map(str, args)], check=True, capture_output=True, text=True)

    return run
