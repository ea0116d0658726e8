"""Where uploaded files go is an operator's choice (several instances and workers on more than one machine must share
it): UPLOAD_DIR from the environment, instance/uploads otherwise."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
READ_SETTING = "from portal.config import Production, Config; print(Production.UPLOAD_DIR); print(Config.UPLOAD_DIR)"


def upload_dirs(environment: dict[str, str]) -> list[str]:
    """The UPLOAD_DIR the portal's configuration works out in a fresh process with ``environment``."""
    env = {key: value for key, value in os.environ.items() if key != "UPLOAD_DIR"} | environment
    result = subprocess.run(
        [sys.executable, "-c", READ_SETTING], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return result.stdout.split()


def test_upload_dir_comes_from_the_environment(tmp_path: Path) -> None:
    shared = tmp_path / "shared-uploads"
    assert upload_dirs({"UPLOAD_DIR": str(shared)}) == [str(shared), str(shared)]


def test_upload_dir_defaults_to_the_instance_folder() -> None:
    assert upload_dirs({}) == [str(ROOT / "instance" / "uploads")] * 2
