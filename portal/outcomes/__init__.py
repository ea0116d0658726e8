"""'We asked, you said, we did': outcome pages for closed surveys and prioritisation rounds, their feed, and the
emails telling participants and proposers what came of their input."""

from flask import Blueprint

bp = Blueprint("outcomes", __name__, url_prefix="/outcomes")

from portal.outcomes import routes  # noqa: E402,F401
