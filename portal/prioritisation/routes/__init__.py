"""Prioritisation pages, by area: the public summary, criteria, rounds (with decisions), scoring, staff results and
exports. Importing this package registers every view on the blueprint."""

from portal.prioritisation.routes import board, common, criteria, exports, public, round_results, rounds, scoring

__all__ = ["board", "common", "criteria", "exports", "public", "round_results", "rounds", "scoring"]
