"""Population segmentation pages (/areas/segments) and the ``flask small-areas`` commands."""

from flask import Blueprint

# cli_group: the commands appear as ``flask --app wsgi small-areas ...``.
bp = Blueprint("segments", __name__, cli_group="small-areas")

from portal.segments import cli, routes  # noqa: E402,F401
