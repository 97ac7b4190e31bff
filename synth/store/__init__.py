"""A persistent, on-disk index of a paper collection (issue 19: all of arXiv on one machine).

``build.build_index`` streams a corpus (anything ``--corpus`` accepts, or arXiv's metadata
snapshot, ``snapshot``) into segments (``segment``): the papers in parquet and, per field
(title + abstract, title), the BM25 term counts as term-major arrays saved as ``.npy`` and
memory-mapped at query time. ``build.update_index`` appends a segment and marks the older
copies of updated papers deleted. ``query.IndexReader`` merges the segments at query time and
scores with ``synth.index``'s BM25 and ``synth.screen``'s formula over the whole collection,
so a search of the index ranks papers exactly as loading the corpus would. ``filters``: the
``categories`` and ``years`` search parameters.
"""

# Submodules are imported where used (``from synth.store.query import open_index``), so that
# ``synth.config``, which checks the filter parameters, does not pull in parquet and scipy.
