"""The Atom feed of published outcomes, for people who follow the JSNA in a feed reader."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from flask import current_app

from portal.mail import external_url
from portal.models import Outcome

ATOM = "http://www.w3.org/2005/Atom"


def _text(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    element.text = text
    return element


def atom_feed(outcomes: list[Outcome]) -> bytes:
    """An Atom 1.0 document with one entry per published outcome, newest first."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _text(feed, "title", f"{current_app.config['SERVICE_NAME']}: we asked, you said, we did")
    _text(feed, "id", external_url("outcomes.index"))
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "self", "href": external_url("outcomes.feed")})
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "alternate", "href": external_url("outcomes.index")})
    updated = max((o.published_at for o in outcomes if o.published_at), default=None)
    _text(feed, "updated", (updated.isoformat() if updated else "1970-01-01T00:00:00+00:00"))
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, "name", current_app.config["COUNCIL_NAME"])
    for outcome in outcomes:
        assert outcome.published_at is not None
        link = external_url("outcomes.detail", outcome_id=outcome.id)
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        _text(entry, "title", outcome.title)
        _text(entry, "id", link)
        ET.SubElement(entry, f"{{{ATOM}}}link", {"rel": "alternate", "href": link})
        _text(entry, "updated", outcome.published_at.isoformat())
        _text(entry, "published", outcome.published_at.isoformat())
        _text(entry, "summary", outcome.we_asked[:500])
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
