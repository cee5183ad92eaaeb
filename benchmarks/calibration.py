"""How well the technique detector's ``confidence`` is calibrated, on PTC dev.

A detection counts as right when a gold span of the same technique overlaps it (the event
the Platt scaling is fitted to). Prints a reliability table (confidence bins: detections,
mean confidence, share right) and the expected calibration error (ECE), twice:

* shipped: the calibration in the model's ``config.json`` (fitted on these same dev
  articles — two parameters, so in-sample but hardly flattered);
* cross-fitted: dev split in two halves by article; each half is scored with a calibration
  fitted on the other half only (an out-of-sample check).

    .venv/bin/python benchmarks/calibration.py [--data ../shared/data/ptc] [--json]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from spinscope.techniques.decode import calibrated
from spinscope.techniques.detector import load_detector
from spinscope.training.evaluate import EncodedArticle, calibration_data, fit_calibration
from spinscope.training.ptc import load_split

BINS = np.linspace(0.0, 1.0, 11)


def reliability(confidence: np.ndarray, right: np.ndarray) -> dict:
    """Per-bin counts, mean confidence and share right; ECE weighted by bin size."""
    rows, ece = [], 0.0
    index = np.clip(np.digitize(confidence, BINS[1:-1]), 0, len(BINS) - 2)
    for b in range(len(BINS) - 1):
        mask = index == b
        if not mask.any():
            continue
        conf, acc = float(confidence[mask].mean()), float(right[mask].mean())
        ece += mask.sum() / len(confidence) * abs(conf - acc)
        rows.append(
            {
                "bin": f"{BINS[b]:.1f}-{BINS[b + 1]:.1f}",
                "n": int(mask.sum()),
                "confidence": round(conf, 3),
                "right": round(acc, 3),
            }
        )
    return {
        "detections": len(confidence),
        "ece": round(ece, 4),
        "auc": round(ranking_auc(confidence, right), 4),
        "bins": rows,
    }


def ranking_auc(score: np.ndarray, right: np.ndarray) -> float:
    """Chance that a right detection outranks a wrong one (ties count half)."""
    pos, neg = score[right == 1], score[right == 0]
    if not len(pos) or not len(neg):
        return float("nan")
    greater = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(greater / (len(pos) * len(neg)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data" / "ptc"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()

    detector = load_detector()
    articles = load_split(args.data, "dev")
    items = [EncodedArticle(a, detector.encode(a.text)) for a in articles]
    settings, head, span_filter = detector.settings, detector.head, detector.span_filter

    cues, right = calibration_data(items, head, settings, span_filter)
    shipped = np.array([calibrated(c, settings.calibration) for c in cues])
    raw = 1 / (1 + np.exp(-cues[:, 0]))  # span score x label probability
    n_cues = len(settings.calibration) - 1

    halves = [items[0::2], items[1::2]]
    crossed_conf, crossed_right = [], []
    for held_out, fit_on in ((halves[0], halves[1]), (halves[1], halves[0])):
        fit_cues, fit_right = calibration_data(fit_on, head, settings, span_filter)
        params = fit_calibration(fit_cues, fit_right, n_cues)
        test_cues, test_right = calibration_data(held_out, head, settings, span_filter)
        crossed_conf.extend(calibrated(c, params) for c in test_cues)
        crossed_right.extend(test_right)

    result = {
        "articles": len(items),
        "shipped": reliability(shipped, right),
        "cross_fitted": reliability(np.asarray(crossed_conf), np.asarray(crossed_right)),
        "uncalibrated_raw_score": reliability(raw, right),
    }
    if args.json:
        print(json.dumps(result))
        return
    for name in ("shipped", "cross_fitted", "uncalibrated_raw_score"):
        block = result[name]
        print(
            f"{name}: {block['detections']} detections, ECE {block['ece']:.4f}, "
            f"AUC {block['auc']:.4f}"
        )
        print("  bin        n    mean confidence  share right")
        for row in block["bins"]:
            conf, right = row["confidence"], row["right"]
            print(f"  {row['bin']}  {row['n']:5d}  {conf:15.3f}  {right:11.3f}")


if __name__ == "__main__":
    main()
