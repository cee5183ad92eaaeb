"""The training and evaluation paths keep working: a few steps on a few PTC articles."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

pytest.importorskip("torch", reason="training needs the train extra")


def tiny_ptc(shared: Path, target: Path, n_train: int = 3, n_dev: int = 2) -> Path:
    """A PTC-layout directory with a handful of real articles and their labels."""
    source = shared / "data" / "ptc"
    train = (source / "train.ids").read_text().split()[:n_train]
    dev = (source / "dev.ids").read_text().split()[:n_dev]
    (target / "articles").mkdir(parents=True)
    for aid in train + dev:
        name = f"article{aid}.txt"
        (target / "articles" / name).write_bytes((source / "articles" / name).read_bytes())
    keep = set(train + dev)
    labels = [
        line
        for line in (source / "labels.tsv").read_text().splitlines()
        if line.split("\t")[0] in keep
    ]
    (target / "labels.tsv").write_text("\n".join(labels) + "\n")
    (target / "train.ids").write_text("\n".join(train) + "\n")
    (target / "dev.ids").write_text("\n".join(dev) + "\n")
    return target


def test_train_a_few_steps_then_evaluate(shared_dir: Path, tmp_path: Path):
    data = tiny_ptc(shared_dir, tmp_path / "ptc")
    out = tmp_path / "model"
    result = subprocess.run(
        [sys.executable, "-m", "spinscope.cli", "train", "techniques", "--data", str(data),
         "--out", str(out), "--epochs", "1", "--max-steps", "2", "--batch-size", "4"],
        capture_output=True, timeout=600, cwd=REPO,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr.decode()[-3000:]
    for name in (
        "model.onnx",
        "span_head.npz",
        "tokenizer.json",
        "config.json",
        "model_card.json",
        "MODEL_CARD.md",
    ):
        assert (out / name).is_file(), name
    card = json.loads((out / "model_card.json").read_text())
    assert card["settings"]["seed"] == 13
    # By default two members (any-technique weights 14 and 28) are trained and averaged.
    assert [m["any_weight"] for m in card["members"]] == [14.0, 28.0]
    assert all((out / f"member{i}" / "checkpoint.pt").is_file() for i in (1, 2))
    assert set(card["dev_onnx_int8"]) >= {"si", "tc", "full", "per_technique"}

    result = subprocess.run(
        [sys.executable, "-m", "spinscope.cli", "evaluate", "ptc", "--data", str(data),
         "--split", "dev", "--json", "--model-dir", str(out)],
        capture_output=True, timeout=300, cwd=REPO,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr.decode()[-3000:]
    figures = json.loads(result.stdout.decode().strip().splitlines()[-1])
    assert set(figures) == {"si", "tc", "full", "per_technique"}
    assert set(figures["si"]) == {"p", "r", "f1"}
    assert 0.0 <= figures["tc"]["micro_f1"] <= 1.0

    # A reading stride longer than the window is refused before anything is re-fitted.
    refit_command = [sys.executable, "-m", "spinscope.cli", "train", "decoder",
                     "--model-dir", str(out), "--data", str(data)]  # fmt: skip
    result = subprocess.run(
        [*refit_command, "--stride", "300"], capture_output=True, timeout=300, cwd=REPO
    )
    assert result.returncode == 1
    assert b"--stride must be between 1 and the window (254 tokens)" in result.stderr
    assert b"Traceback" not in result.stderr

    # The decoder (thresholds, span filter, calibration) re-fits without PyTorch, here for
    # windows read side by side.
    result = subprocess.run(
        [*refit_command, "--stride", "254"], capture_output=True, timeout=300, cwd=REPO
    )
    assert result.returncode == 0, result.stderr.decode()[-3000:]
    assert json.loads((out / "config.json").read_text())["stride_tokens"] == 254
    assert json.loads((out / "model_card.json").read_text())["reading"] == {
        "window": 254,
        "stride": 254,
    }
    assert "windows of 254 tokens side by side" in (out / "MODEL_CARD.md").read_text()
    refit = json.loads(result.stdout.decode().strip().splitlines()[-1])
    assert set(refit) == {"si", "tc", "full"}
    decoder = json.loads((out / "config.json").read_text())["decoder"]
    assert "filter_threshold" in decoder
    assert (out / "span_filter.npz").is_file() == (decoder["filter_threshold"] > 0)
    assert "decoder_refit" in json.loads((out / "model_card.json").read_text())


def test_evaluate_refuses_a_bad_directory(tmp_path: Path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "spinscope.cli",
            "evaluate",
            "ptc",
            "--data",
            str(tmp_path),
            "--split",
            "dev",
        ],
        capture_output=True,
        timeout=120,
        cwd=REPO,
    )
    assert result.returncode == 1
    assert b"Traceback" not in result.stderr


def test_weight_average_is_the_mean_of_float_weights_and_keeps_integer_buffers():
    import torch

    from spinscope.training.train import average_weights

    a = {"w": torch.tensor([1.0, 2.0]), "ids": torch.tensor([0, 1])}
    b = {"w": torch.tensor([3.0, 6.0]), "ids": torch.tensor([0, 1])}
    averaged = average_weights([a, b])
    assert torch.equal(averaged["w"], torch.tensor([2.0, 4.0]))
    assert averaged["w"].dtype == torch.float32
    assert torch.equal(averaged["ids"], a["ids"])
