"""The axe crawl (issue 14, "Done when"): every HTML page, for every role, at 1280 px and at 320 px, checked with axe
(WCAG 2.0 A/AA, 2.1 AA, 2.2 AA) and for sideways scrolling of the page itself (WCAG 1.4.10 Reflow).

The pages come from the app's URL map, with ids taken from the demo content ``flask seed`` loads, so a new route is
crawled without anyone adding it here. Each role gets one browser context, signed in once and reused for its pages.

The whole crawl (every page × every role × two widths) takes many minutes, so it runs with ``AXE_CRAWL=full``
(``make verify``). Without it (``make test``) the same test checks ``REPRESENTATIVE`` — one page of each kind per
feature — each once, by the first role (in ``ROLES`` order) that may reach it, and the home page (so the header and
navigation of each role) for every role. Both print the number of pages and roles checked and the violations per page,
role and width, and fail on any violation or on any page that scrolls sideways at 320 px.
"""

from __future__ import annotations

import importlib
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from portal.access import AccessRule, access_rule_for
from portal.extensions import db
from portal.models import (
    CHAPTER_SECTIONS,
    Area,
    Chapter,
    CriteriaSet,
    Criterion,
    DataImport,
    EvidenceAttachment,
    EvidenceBriefing,
    Indicator,
    Outcome,
    PrioritisationRound,
    Proposal,
    Recommendation,
    RecommendationOrganisation,
    Role,
    RoundMember,
    RoundProposal,
    Segment,
    Survey,
    SurveyQuestion,
    SurveySection,
    User,
)
from portal.seed import SEED_STEPS
from tests.browser.conftest import AXE_TAGS
from tests.conftest import TEST_PASSWORD

WIDTHS = (1280, 320)
# The roles of tests/test_access_matrix.py, plus nobody signed in. "staff" is the analyst role.
ROLES: tuple[str, ...] = ("anonymous", *(role.value for role in Role))

# Routes that do not answer with an HTML page a person reads: data, files, feeds, machine endpoints.
NOT_PAGES = re.compile(r"\.(csv|json|xlsx|atom|txt|<fmt>)$|^/(static|assets|bokeh|api)/|^/healthz$|^/\.well-known/")
# Pages that need a secret from an email (a signed token): reached in their own journeys' tests, not crawled.
TOKEN_PAGES = {"<token>"}
# make test: one page of each kind per feature (list, detail, form, staff tool), every role.
REPRESENTATIVE = {
    "pages.home",
    "search.index",
    "auth.sign_in",
    "auth.account",
    "staff.dashboard",
    "indicators.overview",
    "indicators.detail",
    "indicators.ward_profile",
    "proposals.index",
    "proposals.detail",
    "proposals.start",
    "proposals.moderation",
    "surveys.index",
    "surveys.answer",
    "surveys.build",
    "evidence.detail",
    "prioritisation.scoring",
    "prioritisation.results_page",
    "prioritisation.public_summary",
    "chapters.detail",
    "chapters.recommendations",
    "chapters.edit",
    "outcomes.index",
    "segments.index",
    "admin.users",
}


@dataclass
class Crawl:
    """What the crawl saw: violations per (url, role, width), and the pages each role could not reach."""

    checked: dict[tuple[str, str, int], int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)

    def report(self) -> str:
        pages = sorted({url for url, _, _ in self.checked})
        roles = sorted({role for _, role, _ in self.checked})
        lines = [f"axe crawl: {len(pages)} pages, {len(roles)} roles ({', '.join(roles)}), widths {WIDTHS}:"]
        lines.append(f"  {len(self.checked)} page checks, {sum(self.checked.values())} violations")
        for url in pages:
            counts = " ".join(
                f"{role}@{width}={self.checked[(url, role, width)]}"
                for role in ROLES
                for width in WIDTHS
                if (url, role, width) in self.checked
            )
            lines.append(f"  {url}: {counts}")
        for rule, reason in sorted(self.skipped.items()):
            lines.append(f"  not crawled {rule}: {reason}")
        return "\n".join(lines)


def _seed_everything() -> None:
    for step in SEED_STEPS:
        module, function = step.split(":")
        getattr(importlib.import_module(module), function)()


def _first(statement: Any) -> Any:
    return db.session.scalar(statement.limit(1))


def _round_for(endpoint: str) -> PrioritisationRound | None:
    """Results pages need the closed (published) example round; scoring pages need the open one."""
    closed = endpoint.split(".")[1] in {"results_page", "public_summary", "history", "individual", "board_decision"}
    status = PrioritisationRound.status == "closed" if closed else PrioritisationRound.status != "closed"
    return _first(select(PrioritisationRound).where(status).order_by(PrioritisationRound.id))


def _values_for(endpoint: str) -> dict[str, Any]:
    """Seeded values for each URL parameter name, chosen for ``endpoint``."""
    feature = endpoint.split(".")[0]
    round_ = _round_for(endpoint) if feature == "prioritisation" else None
    survey = _first(select(Survey).where(Survey.status == "open").order_by(Survey.id)) or _first(select(Survey))
    chapter = _first(select(Chapter).order_by(Chapter.id))
    briefing = _first(select(EvidenceBriefing).where(EvidenceBriefing.status == "published")) or _first(
        select(EvidenceBriefing)
    )
    slugs = {"chapters": chapter.slug if chapter else None, "evidence": briefing.slug if briefing else None}
    slugs["indicators"] = next(iter(importlib.import_module("portal.indicators.themes").THEMES))
    values: dict[str, Any] = {
        "indicator_id": _first(select(Indicator.id).order_by(Indicator.id)),
        "code": _first(select(Area.code).where(Area.area_type == "ward").order_by(Area.code)),
        "slug": slugs.get(feature),
        "reference": _first(select(Proposal.reference).where(Proposal.status != "pending").order_by(Proposal.id)),
        "round_id": round_.id if round_ else None,
        "proposal_id": _first(select(RoundProposal.proposal_id).where(RoundProposal.round_id == round_.id))
        if round_
        else None,
        "survey_id": survey.id if survey else None,
        "section_id": _first(select(SurveySection.id).where(SurveySection.survey_id == survey.id)) if survey else None,
        "question_id": _first(select(SurveyQuestion.id).join(SurveySection).where(SurveySection.survey_id == survey.id))
        if survey
        else None,
        "number": 1,
        "kind": "text",
        "step": importlib.import_module("portal.proposals.wizard").STEPS[0].slug,
        "chapter_id": chapter.id if chapter else None,
        "recommendation_id": _first(select(Recommendation.id).order_by(Recommendation.id)),
        "key": CHAPTER_SECTIONS[0][0],
        "briefing_id": briefing.id if briefing else None,
        "attachment_id": _first(select(EvidenceAttachment.id)),
        "outcome_id": _first(select(Outcome.id)),
        "segment_id": _first(select(Segment.id)),
        "import_id": _first(select(DataImport.id)),
        "user_id": _first(select(User.id).order_by(User.id)),
        "criterion_id": _first(select(Criterion.id)),
        "criteria_set_id": _first(select(CriteriaSet.id)),
    }
    return values


def crawl_targets(app: Flask, only: set[str] | None) -> tuple[list[tuple[str, str, AccessRule]], dict[str, str]]:
    """(url, endpoint, access rule) for every HTML GET page, and why any other GET route was left out."""
    targets: list[tuple[str, str, AccessRule]] = []
    skipped: dict[str, str] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in (rule.methods or set()) or NOT_PAGES.search(rule.rule):
            continue
        if only is not None and rule.endpoint not in only:
            continue
        if any(part in rule.rule for part in TOKEN_PAGES):
            skipped[rule.rule] = "needs a signed token from an email (its journey test covers it)"
            continue
        access = access_rule_for(app, rule.endpoint)
        assert access is not None, rule.endpoint
        values = _values_for(rule.endpoint)
        arguments = {name: values.get(name) for name in rule.arguments}
        missing = [name for name, value in arguments.items() if value is None]
        if missing:
            skipped[rule.rule] = f"no seeded {', '.join(missing)}"
            continue
        with app.test_request_context():
            from flask import url_for

            targets.append((url_for(rule.endpoint, **arguments), rule.endpoint, access))
    return targets, skipped


@pytest.fixture
def seeded_site(app: Flask) -> None:
    """The whole demo content of a fresh install (``flask seed``)."""
    _seed_everything()
    db.session.commit()


def _signed_in_context(browser: Any, live_server: str, user: User | None) -> Any:
    context = browser.new_context(base_url=live_server, viewport={"width": WIDTHS[0], "height": 900})
    context.set_default_timeout(30_000)
    if user is not None:
        tab = context.new_page()
        tab.goto("/sign-in")
        tab.get_by_label("Email address").fill(user.email)
        tab.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
        tab.get_by_role("button", name="Sign in").click()
        tab.wait_for_load_state()
        assert "/sign-in" not in tab.url, f"{user.email} could not sign in"
        tab.close()
    return context


def _user_for(role: str, make_user: Callable[..., User]) -> User | None:
    if role == "anonymous":
        return None
    organisation_id = _first(select(RecommendationOrganisation.organisation_id))
    organisation = db.session.get(importlib.import_module("portal.models").Organisation, organisation_id)
    return make_user(role, organisation=organisation if role in {"commissioner", "stakeholder"} else None)


@pytest.fixture
def crawl_roles(seeded_site: None, make_user: Callable[..., User]) -> Iterator[dict[str, User | None]]:
    """One user per role (None for anonymous); the steering member sits on the open example round, so its scoring
    pages are crawled too."""
    users = {role: _user_for(role, make_user) for role in ROLES}
    open_round = _round_for("prioritisation.scoring")
    steering = users["steering"]
    if open_round is not None and steering is not None:
        db.session.add(RoundMember(round_id=open_round.id, user_id=steering.id))
        db.session.commit()
    yield users


def test_every_page_for_every_role_passes_axe_at_1280_and_320_px(
    app: Flask, browser: Any, live_server: str, crawl_roles: dict[str, User | None]
) -> None:
    from axe_playwright_python.sync_playwright import Axe

    full = os.environ.get("AXE_CRAWL") == "full"
    targets, skipped = crawl_targets(app, None if full else REPRESENTATIVE)
    print(f"\naxe crawl of {len(targets)} pages", flush=True)
    crawl = Crawl(skipped=skipped)
    axe = Axe()
    started = time.monotonic()
    # AXE_CRAWL_ROLES=analyst,admin limits the crawl to some roles (to split the full crawl across machines).
    chosen = {name.strip() for name in os.environ.get("AXE_CRAWL_ROLES", "").split(",") if name.strip()} or set(ROLES)
    for role, user in crawl_roles.items():
        if role not in chosen:
            continue
        context = _signed_in_context(browser, live_server, user)
        tab = context.new_page()
        errors: list[str] = []
        tab.on("pageerror", lambda error, errors=errors: errors.append(str(error)))
        for url, endpoint, access in targets:
            if not access.allows(user if user is not None else _Anonymous()):
                continue
            if not full and endpoint != "pages.home" and any(url == seen for seen, _, _ in crawl.checked):
                continue  # make test: each page once, by the first role that reaches it; the home page by every role
            errors.clear()
            tab.set_viewport_size({"width": WIDTHS[0], "height": 900})
            try:
                response = tab.goto(url)
            except Exception as error:  # a page that never loads is a finding, not the end of the crawl
                crawl.problems.append(f"{url} as {role}: did not load ({error})")
                continue
            if response is None or response.status != 200 or tab.url.split("?")[0] != live_server + url.split("?")[0]:
                status = response.status if response is not None else "no response"
                if isinstance(status, int) and status >= 500:
                    crawl.problems.append(f"{url} as {role}: server error {status}")
                crawl.skipped[f"{url} as {role}"] = f"answered {status} at {tab.url.removeprefix(live_server)}"
                continue
            for width in WIDTHS:
                tab.set_viewport_size({"width": width, "height": 900})
                tab.wait_for_timeout(100)  # static/js/a11y.js re-measures table regions on the next frame
                results = axe.run(tab, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
                violations = results.response.get("violations", [])
                crawl.checked[(url, role, width)] = results.violations_count
                overflow = tab.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
                sideways = f", scrolls sideways by {overflow}px" if overflow > 1 else ""
                elapsed = time.monotonic() - started
                print(f"  {elapsed:5.0f}s {role} {width}px {url}: {results.violations_count}{sideways}", flush=True)
                for violation in violations:
                    targets_hit = [node["target"] for node in violation["nodes"]][:3]
                    crawl.problems.append(f"{url} as {role} at {width}px: {violation['id']} {targets_hit}")
                if overflow > 1:
                    widest = tab.evaluate(_WIDEST_ELEMENT)
                    crawl.problems.append(
                        f"{url} as {role} at {width}px: the page scrolls sideways by {overflow}px ({widest})"
                    )
            if errors:
                crawl.problems.append(f"{url} as {role}: page errors {errors}")
        context.close()
    print(crawl.report())
    print(f"  took {time.monotonic() - started:.0f} s ({'full crawl' if full else 'representative pages'})")
    assert {role for _, role, _ in crawl.checked} == chosen, "every role must have pages checked"
    assert not crawl.problems, "\n".join(crawl.problems)


class _Anonymous:
    is_authenticated = False


# The element sticking out furthest to the right, to name in the failure.
_WIDEST_ELEMENT = """() => {
  let worst = null, right = window.innerWidth;
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    const shown = el.getClientRects().length && !el.closest('.portal-table-scroll');
    if (shown && box.right > right + 1) { worst = el; right = box.right; }
  }
  if (!worst) return 'none found';
  const classes = typeof worst.className === 'string' ? worst.className.trim().split(/\\s+/).join('.') : '';
  return worst.tagName.toLowerCase() + (worst.id ? '#' + worst.id : '') + (classes ? '.' + classes : '');
}"""
