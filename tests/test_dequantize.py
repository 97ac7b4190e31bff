"""A shipped int8 cross-encoder read back as float weights (synth/verify/dequantize.py), to
fine-tune it further. Needs the ``train`` extra (torch, transformers, onnx): skipped without."""

from __future__ import annotations

import numpy as np
import pytest

from synth.pairing import MODEL_DIR, load_pairing_model, pairing_scores

pytest.importorskip("onnx")
torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from test_pairing import FLOW, KWS, QUESTION, VISION, screened  # noqa: E402


def test_the_dequantized_weights_give_the_shipped_model_s_probabilities():
    import pandas as pd
    from transformers import BertConfig

    from synth.rerank import paper_texts
    from synth.verify.dequantize import int8_state_dict
    from synth.verify.train_nli import CrossEncoder, load_tokenizer, predict_torch

    state = int8_state_dict(MODEL_DIR / "model_int8.onnx")
    assert state["bert.encoder.layer.5.output.dense.weight"].shape == (384, 1536)  # out x in
    # all-MiniLM-L6-v2's shape
    config = BertConfig(
        hidden_size=384, num_hidden_layers=6, num_attention_heads=12, intermediate_size=1536
    )
    model = CrossEncoder(config)
    model.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})  # every key
    frame = screened(KWS, VISION, FLOW)
    pairs = pd.DataFrame({"premise": paper_texts(frame), "hypothesis": [QUESTION] * 3})
    tok = load_tokenizer(MODEL_DIR / "tokenizer.json", 256)
    p_float = 1.0 - predict_torch(model, tok, pairs)[:, 1]
    p_int8 = pairing_scores(load_pairing_model(threads=1), QUESTION, frame)
    assert np.abs(p_float - p_int8).max() < 0.05, (p_float, p_int8)
    assert p_float[0] > 0.9 > 0.1 > p_float[1:].max()
