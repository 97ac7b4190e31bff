"""The weights of a shipped int8 ONNX cross-encoder, back as a float state_dict.

A model ``train_nli export`` wrote keeps only its int8 weights (``quantize_dynamic``: per-tensor
for the embeddings, per-channel for the MatMuls) and float biases and LayerNorms. Multiplying
the int8 values back by their scales gives the float weights up to the quantization step, enough
to fine-tune a shipped model further when its ``model.pt`` is gone (``train_nli --init
model_int8.onnx``).
The MatMul weights carry ONNX's own names; the node that reads each one names its module
(``/bert/encoder/layer.0/attention/self/query/MatMul_quant``), and ONNX stores it transposed.
Needs the ``train`` extra (onnx).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

_SUFFIXES = ("_quantized", "_scale", "_zero_point")  # an int8 weight's three initializers


def _dequantized(inits: dict, stem: str) -> np.ndarray:
    """``stem``'s int8 values minus their zero point, times their scale (per channel or not)."""
    q = inits[f"{stem}_quantized"].astype(np.float32)
    scale = inits[f"{stem}_scale"].astype(np.float32)
    zero = inits[f"{stem}_zero_point"].astype(np.float32)
    return (q - zero) * scale


def _module_name(node_name: str) -> str:
    """The module a MatMul node belongs to: ``/bert/encoder/layer.0/output/dense/MatMul_quant``
    is ``bert.encoder.layer.0.output.dense``."""
    return ".".join(node_name.strip("/").split("/")[:-1])


def int8_state_dict(onnx_path: Path) -> dict[str, np.ndarray]:
    """Every weight of the int8 model at ``onnx_path`` under its ``CrossEncoder`` name."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(onnx_path))
    inits = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    state = {n: v.astype(np.float32) for n, v in inits.items() if not n.endswith(_SUFFIXES)}
    state = {n: v for n, v in state.items() if not n.startswith("onnx::")}
    for name in inits:
        if name.startswith("bert.embeddings.") and name.endswith("_quantized"):
            stem = name.removesuffix("_quantized")
            state[stem] = _dequantized(inits, stem)
    for node in model.graph.node:
        if node.op_type != "MatMulInteger":
            continue
        weights = [i for i in node.input if i.endswith("_quantized") and i in inits]
        if not weights:  # two activations (attention scores): no weight to recover
            continue
        stem = weights[0].removesuffix("_quantized")
        state[f"{_module_name(node.name)}.weight"] = _dequantized(inits, stem).T.copy()
    return state
