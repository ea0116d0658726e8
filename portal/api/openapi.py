"""The OpenAPI 3.1 document for the open data API, built from the same field lists the routes use."""

from __future__ import annotations

from itertools import product
from typing import Any

from portal.models import AREA_TYPES
from portal.stats import small_numbers
from portal.stats.comparison import Comparison, Polarity
from portal.stats.trend import TrendDirection, trend_label

NUMBER_OR_NULL: dict[str, Any] = {"type": ["number", "null"]}
# ONS (GSS) codes such as E08000031, and the NHS and ONS codes Fingertips uses for GP practices (M92001), PCNs
# (U12345) and ONS area groups (Cl_L2_1ar).
AREA_CODE_PATTERN = "^[A-Za-z0-9_]{1,16}$"
# Empty query parameters are ignored (the document says so), so each filter's schema admits "" as well.
EMPTY_OR_AREA_CODE = "^([A-Za-z0-9_]{1,16})?$"
SEXES = ["Persons", "Male", "Female", "Not applicable"]  # "Not applicable": households and places, not people
COMPARISON_WORDS = [c.value for c in Comparison]
TREND_WORDS = sorted({trend_label(d, p) for d, p in product(TrendDirection, Polarity)})
# Who made a verdict: the portal, the file's publisher, or nobody ("" with "Not compared").
VERDICT_SOURCES = ["computed", "publisher", ""]
VERDICT_SOURCE_TEXT = (
    "Who made the comparison with {benchmark}: 'computed' by the portal, 'publisher' when it is the publisher's own "
    "verdict from the file (shown because the file has neither a confidence interval nor a count, or because the "
    "publisher marked the value 'Not compared'), or empty when nobody compared."
)

INDICATOR_FIELDS: dict[str, dict[str, Any]] = {
    "id": {"type": "string", "description": "The indicator's id (Fingertips ids are numbers as text).",
           "examples": ["41001"]},
    "name": {"type": "string"},
    "definition": {"type": "string"},
    "unit": {"type": "string", "examples": ["per 100,000"]},
    "value_type": {"type": "string", "description": "proportion, crude_rate, dsr, count, mean, median, score, rank, "
                   "decile, or empty when unknown."},
    "polarity": {"type": "string", "enum": [p.value for p in Polarity],
                 "description": "Whether a higher value is better; decides Better/Worse versus Higher/Lower."},
    "topic": {"type": "string", "examples": ["health", "children"]},
    "source": {"type": "string"},
    "publisher": {"type": "string"},
    "licence": {"type": "string", "examples": ["Open Government Licence v3.0"]},
    "links": {
        "type": "object",
        "properties": {
            "data": {"type": "string", "format": "uri", "description": "This indicator's values as JSON."},
            "csv": {"type": "string", "format": "uri", "description": "This indicator's values as CSV."},
            "page": {"type": "string", "format": "uri", "description": "The indicator's page on the portal."},
        },
        "required": ["data", "csv"],
    },
}  # fmt: skip

ROW_FIELDS: dict[str, dict[str, Any]] = {
    "indicator_id": {"type": "string"},
    "area_code": {"type": "string", "description": "ONS (GSS) area code, or the publisher's code for areas ONS does "
                  "not code (GP practices, PCNs, ONS area groups).", "examples": ["E08000031", "M92001"]},
    "area_name": {"type": "string", "examples": ["Wolverhampton"]},
    "area_type": {"type": "string", "enum": list(AREA_TYPES),
                  "description": "The kind of area: country, region, county_ua (upper tier and unitary authorities), "
                  "district, combined_auth, icb, sub_icb, ccg, stp, pcn, gp (practice), msoa, ward, lsoa, nhs_region, "
                  "phe_centre (PHE centre or UKHSA region), ons_group (ONS area classification group), other."},
    "period": {"type": "string", "description": "The period as published.", "examples": ["2020 - 22", "2023/24"]},
    "period_sortable": {"type": "integer", "description": "Orders periods: yyyy0000 for the first year."},
    "sex": {"type": "string", "enum": SEXES},
    "age": {"type": "string", "examples": ["All ages", "10+ yrs"]},
    "category_type": {"type": "string", "description": "The breakdown (e.g. deprivation decile), empty for none."},
    "category": {"type": "string", "description": "The category within the breakdown, empty for none."},
    "value": {**NUMBER_OR_NULL, "description": "Null when there is no value or it is suppressed."},
    "lower_ci95": {**NUMBER_OR_NULL, "description": "Lower 95% confidence limit."},
    "upper_ci95": {**NUMBER_OR_NULL, "description": "Upper 95% confidence limit."},
    "lower_ci998": {**NUMBER_OR_NULL, "description": "Lower 99.8% confidence limit."},
    "upper_ci998": {**NUMBER_OR_NULL, "description": "Upper 99.8% confidence limit."},
    "count": {**NUMBER_OR_NULL, "description": "The numerator (events, people)."},
    "denominator": {**NUMBER_OR_NULL, "description": "The population the value is calculated on."},
    "value_note": {"type": "string"},
    "suppressed": {"type": "boolean", "description": "True when the value is withheld (never given as 0): by the "
                   "publisher, or by the portal's small-numbers policy; see suppressed_by."},
    "suppressed_by": {"type": "string", "enum": ["", *[d.value for d in small_numbers.Disclosure
                                                      if d is not small_numbers.Disclosure.SHOWN]],
                      "description": "Who withheld the value: 'publisher' (as released by the publisher), 'portal' "
                      f"(a figure the portal derived from fewer than {small_numbers.THRESHOLD} events), or empty "
                      "when it is shown."},
    "derived": {"type": "boolean", "description": "True when the portal derived the value (e.g. LSOA to ward)."},
    "compared_to_england": {"type": "string", "enum": COMPARISON_WORDS,
                            "description": "The comparison with England by the Fingertips method for the value type "
                                           "(the confidence interval; Wilson limits for a proportion or Byar's / exact "
                                           "Poisson limits for a crude rate from count and denominator), or the "
                                           "publisher's own verdict where the portal cannot compute one: see "
                                           "compared_to_england_source."},
    "compared_to_region": {"type": "string", "enum": COMPARISON_WORDS,
                           "description": "The same comparison with the area's region; see compared_to_region_source."},
    "compared_to_england_source": {"type": "string", "enum": VERDICT_SOURCES,
                                   "description": VERDICT_SOURCE_TEXT.format(benchmark="England")},
    "compared_to_region_source": {"type": "string", "enum": VERDICT_SOURCES,
                                  "description": VERDICT_SOURCE_TEXT.format(benchmark="the region")},
    "recent_trend": {"type": "string", "enum": TREND_WORDS,
                     "description": "The recent trend marker over the last 5 non-overlapping periods up to this "
                                    "one, computed by the Fingertips method where counts or confidence intervals "
                                    "allow it, otherwise the publisher's own marker from the file."},
}  # fmt: skip

# Paging of an indicator's values (opt-in: without page or per_page the answer is every row, as before).
DEFAULT_PER_PAGE = 1000
MAX_PER_PAGE = 10000

DATA_PARAMETERS: list[dict[str, Any]] = [
    {"name": "indicator_id", "in": "path", "required": True, "schema": {"type": "string"}},
    {"name": "area", "in": "query", "schema": {"type": "string", "pattern": EMPTY_OR_AREA_CODE},
     "description": "Only this area (its code, e.g. E08000031)."},
    {"name": "sex", "in": "query", "schema": {"type": "string", "enum": [*SEXES, ""]}},
    {"name": "age", "in": "query", "schema": {"type": "string"}, "description": "Only this age group, e.g. All ages."},
    {"name": "category_type", "in": "query", "schema": {"type": "string"},
     "description": "Only this breakdown, e.g. County & UA deprivation deciles in England (IMD2019, 4/21 geog.)."},
    {"name": "format", "in": "query", "schema": {"type": "string", "enum": ["json", "csv", ""], "default": "json"}},
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "default": 1},
     "description": "One page of the rows (1 is the first). With page or per_page the rows come in pages, with Link "
     "and X-Total-Count headers; without either, every row comes at once."},
    {"name": "per_page", "in": "query",
     "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": DEFAULT_PER_PAGE},
     "description": "Rows per page when paging."},
    {"name": "cursor", "in": "query", "schema": {"type": "string"},
     "description": "Cursor paging, as fast for the last page as for the first: start with cursor=start (and "
     "per_page if you like), then follow the Link header's next link until there is none. The cursor in a next link "
     "is opaque and belongs to its indicator; a changed or made-up one is a 400. Cursor pages come in the order of "
     "the table's key (area code, period, sex, age, breakdown type, breakdown) instead of oldest period first, and "
     "have no X-Total-Count. Not with page."},
]  # fmt: skip
DATA_HEADERS: dict[str, Any] = {
    "X-Total-Count": {"description": "How many rows match the filters, on all pages (not sent with cursor).",
                      "schema": {"type": "integer", "minimum": 0}},
    "Link": {"description": "When paging: the first, prev (if any), next (if any) and last pages as RFC 8288 links, "
             "keeping the filters; with cursor, the first and (unless this is the last page) the next page.",
             "schema": {"type": "string"}},
}  # fmt: skip


def openapi_document(server_url: str, rate_limit: str = "120 per minute;3000 per hour") -> dict[str, Any]:
    """The OpenAPI 3.1 document; ``server_url`` is the API's base URL (ending /api/v1), ``rate_limit`` the
    per-address allowance (flask-limiter syntax)."""
    error = {"$ref": "#/components/responses/Error"}
    too_many = {"$ref": "#/components/responses/TooManyRequests"}
    allowance = " and ".join(part.strip() for part in rate_limit.split(";"))
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Wolverhampton JSNA open data API",
            "version": "1.0.0",
            "description": (
                "Indicators of the Joint Strategic Needs Assessment and their values, with each value compared with "
                "England and the region and its recent trend, in the words Fingertips uses. Empty query parameters "
                "are ignored. Data is under the licence named on each indicator (mostly the Open Government Licence). "
                f"Each client address may make {allowance} requests across the API (the data of one indicator "
                "also at most 60 per minute); beyond that the answer is 429 with a Retry-After header. "
                + small_numbers.API_DESCRIPTION
            ),
            "license": {
                "name": "Open Government Licence v3.0",
                "url": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
            },
        },
        "servers": [{"url": server_url}],
        "paths": {
            "/indicators": {
                "get": {
                    "operationId": "listIndicators",
                    "summary": "Every indicator with its metadata",
                    "responses": {
                        "200": {
                            "description": "The indicators, by name.",
                            "content": {
                                "application/json": {
                                    "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Indicator"}}
                                }
                            },
                        },
                        "429": too_many,
                    },
                }
            },
            "/indicators/{indicator_id}/data": {
                "get": {
                    "operationId": "indicatorData",
                    "summary": "An indicator's values, optionally filtered, as JSON or CSV",
                    "parameters": DATA_PARAMETERS,
                    "responses": {
                        "200": {
                            "description": "One row per value, oldest period first. The CSV has the same columns, in "
                            "the same order; text cells that a spreadsheet would run as a formula start with a single "
                            "quote.",
                            "headers": DATA_HEADERS,
                            "content": {
                                "application/json": {
                                    "schema": {"type": "array", "items": {"$ref": "#/components/schemas/ValueRow"}}
                                },
                                "text/csv": {"schema": {"type": "string"}},
                            },
                        },
                        "400": error,
                        "404": error,
                        "429": too_many,
                    },
                }
            },
            "/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document",
                    "responses": {
                        "200": {
                            "description": "The OpenAPI document.",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        },
                        "429": too_many,
                    },
                }
            },
        },
        "components": {
            "schemas": {
                "Indicator": {
                    "type": "object",
                    "properties": INDICATOR_FIELDS,
                    "required": list(INDICATOR_FIELDS),
                },
                "ValueRow": {"type": "object", "properties": ROW_FIELDS, "required": list(ROW_FIELDS)},
                "Error": {
                    "type": "object",
                    "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
                    "required": ["error", "message"],
                },
            },
            "responses": {
                "Error": {
                    "description": "A problem with the request, explained in ``message``.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                },
                "TooManyRequests": {
                    "description": "Too many requests from this address; ``error`` is ``too_many_requests``.",
                    "headers": {
                        "Retry-After": {
                            "description": "Seconds to wait before trying again.",
                            "schema": {"type": "integer", "minimum": 0},
                        }
                    },
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                },
            },
        },
    }
