"""GeoJSON boundary reading and the small amount of plane geometry the importers need (shapely is not a dependency).

Coordinates are used as given (longitude, latitude for the shipped CRS84 files). Treating them as planar is fine for
the question asked here, which is which ward an LSOA sits in, over a few kilometres.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np

from portal.importers.base import FileProblem

Point = tuple[float, float]
Ring = list[Point]


@dataclass(frozen=True)
class Boundary:
    """One area's boundary: the rings of all its polygons (outer rings and holes alike), as (x, y) points."""

    code: str
    name: str
    rings: list[Ring]


def read_geojson_boundaries(
    source: str | os.PathLike[str] | BinaryIO, code_property: str, name_property: str
) -> list[Boundary]:
    """Read a GeoJSON FeatureCollection of Polygon and MultiPolygon features into Boundary objects.

    Raises FileProblem with a plain-English message for invalid JSON, a missing property or another geometry type.
    """
    try:
        if isinstance(source, str | os.PathLike):
            with open(source, "rb") as handle:
                document = json.load(handle)
        else:
            document = json.load(source)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FileProblem(f"The boundary file is not valid GeoJSON: {exc}") from exc
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise FileProblem("The boundary file is not a GeoJSON FeatureCollection.")
    boundaries = []
    for number, feature in enumerate(document.get("features", []), start=1):
        properties = feature.get("properties") or {}
        if code_property not in properties:
            raise FileProblem(f"Feature {number} has no {code_property!r} property.")
        geometry = feature.get("geometry") or {}
        kind = geometry.get("type")
        if kind == "Polygon":
            polygons = [geometry["coordinates"]]
        elif kind == "MultiPolygon":
            polygons = geometry["coordinates"]
        else:
            raise FileProblem(f"Feature {number} is a {kind}, not a Polygon or MultiPolygon.")
        rings = [[(float(x), float(y)) for x, y, *_ in ring] for polygon in polygons for ring in polygon]
        name = properties.get(name_property)
        boundaries.append(Boundary(str(properties[code_property]), "" if name is None else str(name), rings))
    return boundaries


def point_in_polygon(point: Point, rings: list[Ring]) -> bool:
    """Whether the point lies inside the rings by the even-odd rule (so holes and multi-polygons both work)."""
    x, y = point
    inside = False
    for ring in rings:
        xy = np.asarray(ring, dtype="float64")
        if len(xy) < 3:
            continue
        x1, y1 = xy[:, 0], xy[:, 1]
        x2, y2 = np.roll(x1, -1), np.roll(y1, -1)
        straddles = (y1 > y) != (y2 > y)
        with np.errstate(divide="ignore", invalid="ignore"):
            crossing_x = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
        crossings = int(np.count_nonzero(straddles & (x < crossing_x)))
        inside ^= crossings % 2 == 1
    return inside


def ring_area(ring: Ring) -> float:
    """Signed area of a ring by the shoelace formula (positive when anticlockwise)."""
    xy = np.asarray(ring, dtype="float64")
    x, y = xy[:, 0], xy[:, 1]
    return 0.5 * float(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y))


def ring_centroid(ring: Ring) -> Point:
    """Area-weighted centroid of a ring (the mean of its vertices if it has no area)."""
    xy = np.asarray(ring, dtype="float64")
    x, y = xy[:, 0], xy[:, 1]
    cross = x * np.roll(y, -1) - np.roll(x, -1) * y
    area = 0.5 * float(np.sum(cross))
    if math.isclose(area, 0.0, abs_tol=1e-15):
        return float(x.mean()), float(y.mean())
    cx = float(np.sum((x + np.roll(x, -1)) * cross)) / (6 * area)
    cy = float(np.sum((y + np.roll(y, -1)) * cross)) / (6 * area)
    return cx, cy


def representative_point(boundary: Boundary) -> Point:
    """A point inside the boundary: the centroid of its largest ring, or, when that falls outside (a concave shape),
    the middle of the widest inside stretch of the horizontal line through it.
    """
    largest = max(boundary.rings, key=lambda r: abs(ring_area(r)))
    centre = ring_centroid(largest)
    if point_in_polygon(centre, boundary.rings):
        return centre
    y = centre[1]
    crossings = []
    for ring in boundary.rings:
        for (x1, y1), (x2, y2) in zip(ring, [*ring[1:], ring[0]], strict=True):
            if (y1 > y) != (y2 > y):
                crossings.append(x1 + (y - y1) * (x2 - x1) / (y2 - y1))
    crossings.sort()
    stretches = list(zip(crossings[::2], crossings[1::2], strict=False))
    if not stretches:
        return centre
    left, right = max(stretches, key=lambda s: s[1] - s[0])
    return (left + right) / 2, y


def lsoa_to_ward_lookup(lsoas: list[Boundary], wards: list[Boundary]) -> dict[str, str]:
    """Assign each LSOA to the ward containing a point inside it (the nearest ward's centre if none contains it).

    This is an approximation: LSOAs (2011) are not built from wards (2013/2019), so an LSOA that straddles a ward
    boundary is assigned wholly to one ward.
    """
    ward_centres = {w.code: ring_centroid(max(w.rings, key=lambda r: abs(ring_area(r)))) for w in wards}
    lookup = {}
    for lsoa in lsoas:
        point = representative_point(lsoa)
        containing = [w.code for w in wards if point_in_polygon(point, w.rings)]
        if containing:
            lookup[lsoa.code] = containing[0]
        else:
            lookup[lsoa.code] = min(ward_centres, key=lambda c: math.dist(point, ward_centres[c]))
    return lookup
