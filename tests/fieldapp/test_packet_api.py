"""GET /api/fieldapp/engagements/<id>/packet: an auditor's offline packet (issue 4)."""

from __future__ import annotations

import uuid

from flask.testing import FlaskClient

from backend.users.models import Role
from tests.engagements.support import World
from tests.factories import sign_in


def _packet_url(engagement_id: object) -> str:
    return f"/api/fieldapp/engagements/{engagement_id}/packet"


def test_team_auditor_gets_sites_with_geofence_and_the_scheme_items(
    client: FlaskClient, world: World
) -> None:
    sign_in(client, world.auditor)

    response = client.get(_packet_url(world.engagement.id))

    assert response.status_code == 200, response.get_json()
    packet = response.get_json()
    assert packet["id"] == str(world.engagement.id)
    assert set(packet["modes"]) == set(world.engagement.modes)
    sites = {site["id"]: site for site in packet["sites"]}
    assert set(sites) == {str(world.site.id), str(world.other_site.id)}
    site = sites[str(world.site.id)]
    assert site["location"]["datum"] == "wgs84"
    assert site["location"]["latitude"] == world.site.latitude
    assert site["geofence_radius_m"] == world.site.geofence_radius_m
    scheme = packet["scheme"]
    assert scheme["id"] == str(world.engagement.scheme_version_id)
    assert scheme["items"], "the demo scheme has items to rate"
    scale_codes = {scale["code"] for scale in scheme["scales"]}
    assert all(item["scale"] in scale_codes for item in scheme["items"])
    likert = [scale for scale in scheme["scales"] if scale["kind"] == "alpha_bands"]
    assert likert and [band["level"] for band in likert[0]["bands"]] == [1, 2, 3, 4, 5]


def test_auditor_not_on_the_team_gets_404(client: FlaskClient, world: World) -> None:
    sign_in(client, world.other_auditor)

    response = client.get(_packet_url(world.engagement.id))

    assert response.status_code == 404
    assert response.get_json()["code"] == "NOT_FOUND"


def test_reviewer_who_was_on_the_team_gets_404_and_one_who_was_not_gets_it(
    client: FlaskClient, world: World
) -> None:
    sign_in(client, world.reviewer_on_team)
    assert client.get(_packet_url(world.engagement.id)).status_code == 404

    sign_in(client, world.reviewer)
    assert client.get(_packet_url(world.engagement.id)).status_code == 200


def test_shopper_is_forbidden_and_unknown_engagement_is_404(
    client: FlaskClient, world: World
) -> None:
    sign_in(client, world.user(Role.SHOPPER))
    assert client.get(_packet_url(world.engagement.id)).status_code == 403

    sign_in(client, world.leader)
    assert client.get(_packet_url(uuid.uuid4())).status_code == 404


def test_scales_give_each_likert_level_its_alpha_band(client: FlaskClient, world: World) -> None:
    sign_in(client, world.user(Role.SHOPPER))

    response = client.get(f"/api/fieldapp/schemes/{world.engagement.scheme_version_id}/scales")

    assert response.status_code == 200, response.get_json()
    likert = next(scale for scale in response.get_json() if scale["kind"] == "alpha_bands")
    first, second = likert["bands"][0], likert["bands"][1]
    # §5.1.1 2): level 1 is 0 <= α <= 0.2, level 2 is 0.2 < α <= 0.4; α as JSON numbers
    # (issue 9, C8: they were the texts "0", "0.2", ...).
    assert (first["min"], first["min_inclusive"], first["max"], first["max_inclusive"]) == (
        0,
        True,
        0.2,
        True,
    )
    assert (second["min"], second["min_inclusive"], second["max"]) == (0.2, False, 0.4)
    assert second["level_alpha"] == 0.4
    text = response.get_data(as_text=True)
    assert '"level_alpha":0.4' in text.replace(" ", "") and '"min":"' not in text
    assert second["label"]["zh"]


def test_scales_of_an_unknown_scheme_version_are_404_and_client_users_403(
    client: FlaskClient, world: World
) -> None:
    sign_in(client, world.leader)
    assert client.get(f"/api/fieldapp/schemes/{uuid.uuid4()}/scales").status_code == 404

    sign_in(client, world.client_user)
    url = f"/api/fieldapp/schemes/{world.engagement.scheme_version_id}/scales"
    assert client.get(url).status_code == 403
