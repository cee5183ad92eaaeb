"""Export the best checkpoint of a training run that was stopped early (e.g. out of time).

The training log holds one ``epoch N dev {...}`` record per finished epoch; the checkpoint
is the best of them, so it can be exported exactly as a finished run would.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

_RECORD = re.compile(r"epoch \d+ dev (\{.*\})\s*$")


def records_from_log(log_path: Path) -> list[dict]:
    records = []
    for line in Path(log_path).read_text(encoding="utf-8", errors="replace").splitlines():
        match = _RECORD.search(line)
        if match:
            records.append(json.loads(match.group(1)))
    return records


def export_stopped_run(config, log_path: Path) -> dict:
    """Load ``out_dir/checkpoint.pt`` and export it with the card of the best logged epoch."""
    import torch

    from spinscope.techniques.windows import load_tokenizer
    from spinscope.training.export import export_model
    from spinscope.training.ptc import load_split
    from spinscope.training.train import build_model, encoder_dir

    history = records_from_log(log_path)
    if not history:
        raise SystemExit(f"no finished epoch in {log_path}")
    best = max(history, key=lambda r: r["dev"]["si"]["f1"] + r["dev"]["tc"]["micro_f1"])
    torch.set_num_threads(config.threads)
    model = build_model(config.span_hidden)
    model.load_state_dict(torch.load(Path(config.out_dir) / "checkpoint.pt"))
    model.eval()
    tokenizer = load_tokenizer(encoder_dir() / "tokenizer.json")
    dev = load_split(config.data_dir, "dev")
    train = load_split(config.data_dir, "train")
    card = export_model(model, tokenizer, config, best, history, dev, train)
    card["stopped_early_after_epoch"] = history[-1]["epoch"]
    (Path(config.out_dir) / "history.json").write_text(json.dumps(history, indent=2))
    (Path(config.out_dir) / "model_card.json").write_text(json.dumps(card, indent=2))
    return card
