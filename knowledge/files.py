"""File-system helpers shared by the layers that write model folders."""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def replace_dir(complete: Path, target: Path) -> Path:
    """Move a fully written folder into place. The old folder is removed just before the rename,
    so a crash leaves the old folder or none, never a half-written one."""
    if target.exists():
        shutil.rmtree(target)
    os.replace(complete, target)
    return target
