"""synth: evidence-grounded literature synthesis.

Stages, one module each: ``sources`` (arXiv and local corpora), ``search``, ``screen``,
``claims``, ``verify``, ``review``, ``report``; ``pipeline`` runs the stage notebooks with
papermill and ``cli`` is the ``synth`` command.
"""

__version__ = "0.1.0"
