"""Subject access for people without an account (UK GDPR Art. 15): ask by email address, download from the link."""

from __future__ import annotations

from flask import current_app, redirect, render_template, url_for
from werkzeug.wrappers import Response

from portal.access import public
from portal.auth import bp, personal_data
from portal.auth.forms import DownloadYourDataForm, YourDataForm
from portal.clock import london_today
from portal.downloads import download_response
from portal.extensions import limiter


def _request_limit() -> str:
    return str(current_app.config["YOUR_DATA_RATE_LIMIT"])


@bp.route("/your-data", methods=["GET", "POST"])
@public
@limiter.limit(_request_limit, methods=["POST"])
def your_data() -> Response | str:
    """Ask for a copy of what is held against an email address; the answer never says whether anything is."""
    form = YourDataForm()
    if form.validate_on_submit():
        personal_data.request_export_for_email(form.email.data or "")
        return redirect(url_for("auth.your_data_sent"), 303)
    return render_template("auth/your_data.html", form=form)


@bp.route("/your-data/sent")
@public
def your_data_sent() -> str:
    """The same message whether or not the address is known."""
    return render_template("auth/your_data_sent.html")


@bp.route("/your-data/download/<token>", methods=["GET", "POST"])
@public
def your_data_download(token: str) -> Response | str | tuple[str, int]:
    """The emailed link: a page with a download button; the download works once, while the link lasts."""
    form = DownloadYourDataForm()
    if form.validate_on_submit():
        body = personal_data.claim_email_export(token)
        if body is not None:
            filename = f"your-data-{london_today().isoformat()}.json"
            return download_response(body, filename, "application/json", private=True)
    elif personal_data.email_link_usable(token):
        return render_template("auth/your_data_download.html", form=form, token=token)
    return render_template("auth/link_problem.html", problem="used_or_invalid", kind="your_data"), 410
