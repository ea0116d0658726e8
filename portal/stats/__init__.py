"""Pure statistics for JSNA indicators: confidence intervals, benchmark comparison, trends and prioritisation.

Modules are imported on demand (``from portal.stats.confidence import rate_with_ci``); nothing here imports Flask
or the models.
"""
