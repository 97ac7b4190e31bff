"""A tiny corpus the tests write themselves: arXiv-style records on text-video retrieval
(on topic for the smoke question) and on unrelated topics (off topic).

The abstracts are written for the tests; some claims support or contradict each other so the
verifier has real work to do.
"""

from __future__ import annotations

import json
from pathlib import Path

ON_TOPIC = [
    {
        "id": "2501.00001v1",
        "title": "Temporal Token Merging for Text-Video Retrieval",
        "authors": ["Ada Lovelace", "Alan Turing"],
        "categories": ["cs.CV", "cs.IR"],
        "summary": "Text-video retrieval aligns natural language queries with video clips. "
        "Early draft.",
    },
    {
        "id": "2501.00001v2",
        "title": "Temporal Token Merging for Text-Video Retrieval",
        "authors": ["Ada Lovelace", "Alan Turing"],
        "categories": ["cs.CV", "cs.IR"],
        "summary": "Text-video retrieval aligns natural language queries with video clips.\n"
        "Most methods built on CLIP average frame features and ignore temporal dynamics. We\n"
        "propose TempMerge, a temporal token merging module for text-video retrieval. TempMerge\n"
        "achieves 49.8 R@1 on MSR-VTT and 47.2 R@1 on DiDeMo. Temporal modelling improves "
        "text-video retrieval on MSR-VTT by 2.1 points of R@1 over frame averaging (see Fig. 2). "
        "In future work, we will study audio.",
    },
    {
        "id": "2502.00002",
        "title": "Is Frame Averaging All You Need for Video Retrieval?",
        "authors": ["Grace Hopper"],
        "categories": ["cs.CV"],
        "summary": "Many text-video retrieval models add temporal modules on top of CLIP, e.g. "
        "transformers over frames. We revisit this design on MSR-VTT and DiDeMo. Our experiments "
        "show that temporal modelling does not improve text-video retrieval on MSR-VTT compared "
        "with frame averaging. Frame averaging reaches 46.1 R@1 on MSR-VTT with a ViT-B/32 "
        "backbone. Code is available at https://example.org/fa.v2.",
    },
    {
        "id": "2503.00003",
        "title": "InternVideo2 Scaling Study on Video-Text Retrieval Benchmarks",
        "authors": ["Katherine Johnson", "Dorothy Vaughan", "Mary Jackson"],
        "categories": ["cs.CV"],
        "summary": "Video foundation models are trained on large web corpora. We analyse "
        "InternVideo2 (Wang et al., 2024) on zero-shot text-video retrieval. InternVideo2 "
        "achieves 55.9 R@1 on MSR-VTT and 57.9 R@1 on DiDeMo. Prioritizing spatiotemporally "
        "consistent clips in the training data improves cross-domain generalization by 3.4 R@1 "
        "on DiDeMo compared with uniform sampling. These results suggest that data curation "
        "matters as much as model size.",
    },
    {
        "id": "2504.00004",
        "title": "Spatiotemporal Consistency Filtering of Video Pretraining Data",
        "authors": ["Edsger Dijkstra"],
        "categories": ["cs.CV", "cs.LG"],
        "summary": "Web videos often contain captions that do not match their visual content. "
        "We score clips by spatiotemporal consistency and keep the most consistent ones for "
        "pretraining. Filtering by spatiotemporal consistency improves zero-shot retrieval on "
        "MSR-VTT by 2.8 R@1 over random sampling. The gains are smaller on DiDeMo, where "
        "paragraph-level queries dominate.",
    },
    {
        "id": "2505.00005",
        "title": "Paragraph-to-Video Retrieval on DiDeMo with Moment Localization",
        "authors": ["Barbara Liskov", "Leslie Lamport"],
        "categories": ["cs.CV"],
        "summary": "DiDeMo pairs paragraphs with long videos. We present MomentRet, which "
        "localizes moments before retrieval. MomentRet outperforms frame averaging by 4.0 R@1 "
        "on DiDeMo. Temporal modelling improves text-video retrieval on DiDeMo, where videos "
        "are long.",
    },
]

OFF_TOPIC = [
    {
        "id": "2506.00006",
        "title": "FollowIR-7B: Instruction-Following Retrieval Models",
        "authors": ["Orion Weller"],
        "categories": ["cs.IR", "cs.CL"],
        "summary": "Retrieval models rarely follow instructions. We train FollowIR-7B on "
        "instruction-following data. FollowIR-7B improves p-MRR by 13.8 points over BM25.",
    },
    {
        "id": "2507.00007",
        "title": "Protein Folding with Geometric Transformers",
        "authors": ["Rosalind Franklin"],
        "categories": ["q-bio.BM"],
        "summary": "Protein structure prediction remains hard for orphan sequences. We propose a "
        "geometric transformer that reduces RMSD by 0.4 angstrom on CASP15 targets.",
    },
    {
        "id": "2508.00008",
        "title": "Reward Models for Language Model Alignment",
        "authors": ["Claude Shannon"],
        "categories": ["cs.CL"],
        "summary": "Aligning large language models with human preferences is costly. We show "
        "that shadow reward models reduce alignment tax by 12% on safety benchmarks.",
    },
]


def write_corpus(path: Path, records: list[dict] | None = None) -> Path:
    """Write records as arXiv-style JSON Lines; return the path."""
    rows = ON_TOPIC + OFF_TOPIC if records is None else records
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path
