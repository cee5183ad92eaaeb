"""Copy an exported model (not its checkpoint) into the package so it ships and loads offline."""

from __future__ import annotations

import shutil
from pathlib import Path

from spinscope.techniques.detector import DEFAULT_MODEL_DIR, MODEL_FILES, SPAN_FILTER_FILE

SHIPPED_EXTRAS = (SPAN_FILTER_FILE, "model_card.json", "MODEL_CARD.md")


def install_model(out_dir: Path, target: Path = DEFAULT_MODEL_DIR) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for name in (*MODEL_FILES, *SHIPPED_EXTRAS):
        if (Path(out_dir) / name).is_file():
            shutil.copy(Path(out_dir) / name, target / name)
        else:  # e.g. a model without a span filter must not keep the last one's
            (target / name).unlink(missing_ok=True)
    return target
