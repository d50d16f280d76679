"""The engagements feature's services, one import for the routes, other features and tests.

The work is split by responsibility (each module says what it is for):

* ``access``: the table of standing × need every feature asks (CQC rule §6.1, §6.2);
* ``views``: what the API shows of engagements and assignments;
* ``planning``: creating and changing an engagement's plan (team, sites, dates, modes);
* ``assignments``: mystery-shopper visits the team leader assigns;
* ``packet``: the shopper's offline packet (sites, windows, items to rate).
"""

from __future__ import annotations

from backend.engagements.access import (
    CREATORS,
    TEAM_ROLES,
    VIEWERS,
    get_engagement_for,
    is_member,
    member_role,
)
from backend.engagements.assignments import (
    create_assignment,
    get_assignment,
    list_engagement_assignments,
    update_assignment,
)
from backend.engagements.packet import my_assignments, scheme_packet
from backend.engagements.planning import (
    create_engagement,
    get_engagement,
    list_engagements,
    update_engagement,
)
from backend.engagements.views import (
    AssignmentView,
    EngagementView,
    TeamMember,
    engagement_view,
    engagement_views,
)

__all__ = [
    "CREATORS",
    "TEAM_ROLES",
    "VIEWERS",
    "AssignmentView",
    "EngagementView",
    "TeamMember",
    "create_assignment",
    "create_engagement",
    "engagement_view",
    "engagement_views",
    "get_assignment",
    "get_engagement",
    "get_engagement_for",
    "is_member",
    "list_engagement_assignments",
    "list_engagements",
    "member_role",
    "my_assignments",
    "scheme_packet",
    "update_assignment",
    "update_engagement",
]
