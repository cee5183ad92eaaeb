"""Engines that run the batch pipeline somewhere other than local worker processes.

``ray_engine``: Ray Data on a local instance or a cluster (optional ``ray`` extra). The
local engine lives in :mod:`spinscope.batch`; all engines write the same result rows.
"""

ENGINES = ("local", "ray")
