"""synth: evidence-grounded literature synthesis.

Stages, one module (or package) and one notebook each, declared in ``stages``: ``search``
(with ``sources``), ``screen``, ``claims``, ``verify``, ``review``, ``report``. ``run`` runs
the stage notebooks with papermill; ``cli`` is the ``synth`` command.
"""

__version__ = "0.1.0"
