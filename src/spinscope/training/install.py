"""Copy an exported model (not its checkpoint) into the package so it ships and loads offline."""

from __future__ import annotations

import shutil
from pathlib import Path

from spinscope.techniques.detector import DEFAULT_MODEL_DIR, MODEL_FILES

SHIPPED_EXTRAS = ("model_card.json", "MODEL_CARD.md")


def install_model(out_dir: Path, target: Path = DEFAULT_MODEL_DIR) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for name in (*MODEL_FILES, *SHIPPED_EXTRAS):
        if (Path(out_dir) / name).is_file():
            shutil.copy(Path(out_dir) / name, target / name)
    return target
