"""An indicator the portal does not know lands as a draft: analysts preview it, confirm the inferred metadata and
publish it; the public sees nothing until then."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.indicators import file_import
from portal.indicators.catalogue import list_indicators
from portal.indicators.file_import import import_file
from portal.indicators.reference_data import seed_reference_areas
from portal.models import AuditEvent, DataImport, Indicator, Role

DATA = Path(__file__).resolve().parents[2] / "data"
CHD = DATA / "fingertips" / "fingertips_ui_compare_areas_chd_admissions_90988.csv"
CHD_ID = "90988"


@pytest.fixture
def unknown_chd(app, monkeypatch):
    """The portal's metadata without 90988, so the web export of it brings an indicator the portal does not know."""
    seed_reference_areas()
    real = file_import.indicator_metadata

    def without_chd():
        metadata = real()
        return metadata[metadata["indicator_id"] != CHD_ID].reset_index(drop=True)

    monkeypatch.setattr(file_import, "indicator_metadata", without_chd)


def test_an_unknown_indicator_lands_as_a_draft_with_what_was_inferred(db, unknown_chd) -> None:
    assert import_file(CHD).ok
    indicator = db.session.get(Indicator, CHD_ID)
    assert (indicator.status, indicator.value_type, indicator.unit, indicator.polarity) == (
        "draft",
        "dsr",
        "per 100,000",
        "low_is_good",
    )
    assert "does not follow from count" in indicator.inferred_note and "Better" in indicator.inferred_note
    assert indicator.publisher.startswith("Office for Health Improvement")  # Fingertips' own, from the reader
    assert CHD_ID not in {i.id for i in list_indicators()}
    assert CHD_ID in {i.id for i in list_indicators(include_drafts=True)}


def test_indicators_the_portal_knows_are_published_at_once(db, app) -> None:
    seed_reference_areas()
    assert import_file(CHD).ok
    indicator = db.session.get(Indicator, CHD_ID)
    assert (indicator.status, indicator.inferred_note, indicator.polarity) == ("published", "", "low_is_good")


def test_the_public_cannot_see_a_draft(db, unknown_chd, client_request) -> None:
    assert import_file(CHD).ok
    client_request.get(f"/indicators/{CHD_ID}", expected_status=404)
    client_request.get(f"/indicators/{CHD_ID}/charts/compare-region.json", expected_status=404)
    assert client_request.client.get(f"/api/v1/indicators/{CHD_ID}/data").status_code == 404
    assert CHD_ID not in {item["id"] for item in client_request.client.get("/api/v1/indicators").get_json()}
    overview = client_request.get("/indicators")
    assert "Hospital admissions due to coronary heart disease" not in overview.get_text()


def test_analysts_preview_the_draft_and_publish_it_after_review(db, unknown_chd, client_request, login_as) -> None:
    analyst = login_as(Role.ANALYST)
    assert import_file(CHD).ok

    preview = client_request.get(f"/indicators/{CHD_ID}")
    banner = (
        preview.find(id="draft-banner-title").find_parent(class_="govuk-notification-banner").get_text(" ", strip=True)
    )
    assert "Draft: preview" in banner and "does not follow from count" in banner
    verdict = preview.select_one("#verdict").get_text()
    assert verdict.startswith("In 2022/23 Wolverhampton's age-standardised rate was 327.7")
    assert "proportion" not in verdict and "over the last 5 periods" not in verdict  # one period, Fingertips' trend
    client_request.get(f"/indicators/{CHD_ID}/charts/compare-region.json")

    form = client_request.get(f"/indicators/{CHD_ID}/review")
    assert form.select_one("input[name=value_type][value=dsr]").has_attr("checked")
    assert form.select_one("input[name=polarity][value=low_is_good]").has_attr("checked")

    fields = {"value_type": "dsr", "unit": "per 100,000", "polarity": "low_is_good", "source": "Fingertips",
              "publisher": "", "licence": "Open Government Licence v3.0"}  # fmt: skip
    refused = client_request.post(f"/indicators/{CHD_ID}/review", fields, expected_status=200)
    assert "Enter the publisher" in refused.get_data(as_text=True)
    assert db.session.get(Indicator, CHD_ID).status == "draft"

    fields["publisher"] = "Office for Health Improvement and Disparities"
    client_request.post(f"/indicators/{CHD_ID}/review", fields)
    db.session.expire_all()
    indicator = db.session.get(Indicator, CHD_ID)
    assert (indicator.status, indicator.source, indicator.publisher) == (
        "published",
        "Fingertips",
        "Office for Health Improvement and Disparities",
    )
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "indicator.published")).one()
    assert (event.actor_id, event.object_id) == (analyst.id, CHD_ID)
    published = client_request.get(f"/indicators/{CHD_ID}")
    assert published.find(id="draft-banner-title") is None


def test_a_draft_without_a_polarity_cannot_be_published(db, unknown_chd, client_request, login_as) -> None:
    login_as(Role.ANALYST)
    assert import_file(CHD).ok
    fields = {"value_type": "dsr", "unit": "per 100,000", "source": "Fingertips", "publisher": "OHID",
              "licence": "OGL"}  # fmt: skip
    page = client_request.post(f"/indicators/{CHD_ID}/review", fields, expected_status=200).get_data(as_text=True)
    assert "Choose whether a higher or a lower value is better" in page
    assert db.session.get(Indicator, CHD_ID).status == "draft"


def test_the_upload_summary_links_to_the_review_of_each_new_indicator(db, unknown_chd, client_request, login_as):
    login_as(Role.ANALYST)
    response = client_request.post(
        "/indicators/upload",
        {"file": (io.BytesIO(CHD.read_bytes()), CHD.name), "format": ""},
        content_type="multipart/form-data",
    )
    page = client_request.get(response.headers["Location"])
    assert "New indicators to review" in page.get_text()
    link = page.find("a", string=lambda s: s and "Review and publish Hospital admissions" in s)
    assert link is not None and link["href"] == f"/indicators/{CHD_ID}/review"
    assert db.session.scalars(select(DataImport)).one().status == "complete"


def test_reimporting_keeps_the_reviewed_metadata(db, unknown_chd) -> None:
    assert import_file(CHD).ok
    indicator = db.session.get(Indicator, CHD_ID)
    indicator.polarity, indicator.status, indicator.source = "high_is_good", "published", "Reviewed source"
    db.session.commit()
    assert import_file(CHD).ok
    db.session.expire_all()
    indicator = db.session.get(Indicator, CHD_ID)
    assert (indicator.polarity, indicator.status, indicator.source) == ("high_is_good", "published", "Reviewed source")


@pytest.mark.parametrize("role", [Role.PUBLIC, Role.STAKEHOLDER, Role.COMMISSIONER])
def test_only_analysts_and_admins_review(db, unknown_chd, client_request, login_as, role) -> None:
    login_as(role)
    assert import_file(CHD).ok
    client_request.get(f"/indicators/{CHD_ID}/review", expected_status=403)
    client_request.get(f"/indicators/{CHD_ID}", expected_status=404)
