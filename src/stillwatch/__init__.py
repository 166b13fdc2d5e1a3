"""stillwatch: find, stop and report distillation campaigns in LLM API traffic.

The package reads as the pipeline it runs:
``ingest -> signals -> accounts -> links -> campaigns -> decisions``,
then ``gateway``, ``report`` and ``intel`` consume the decisions.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
