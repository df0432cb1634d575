"""The portal part of the demo workspace: a public portal with customers' ideas, votes,
comments and an official reply, ideas linked to planning's features, and a moderation queue
with one idea and one comment waiting. Deterministic: the same rows on every load."""

from __future__ import annotations

from northline.core.access import Access
from northline.insights.services.customers import create_company, customer_for
from northline.planning.models import Feature

from .models import Idea
from .services import ideas, team
from .services.portal import open_portal, update_portal

COMPANIES = (("Globex", "globex.example", "Enterprise", 120_000), ("Initech", "initech.example", "Mid-market", 48_000),
             ("Umbrella", "umbrella.example", "SMB", 9_600))  # fmt: skip
CUSTOMERS = (("Grace Globex", "grace@globex.example"), ("Ivan Initech", "ivan@initech.example"),
             ("Uma Umbrella", "uma@umbrella.example"), ("Gus Globex", "gus@globex.example"),
             ("Ines Initech", "ines@initech.example"))  # fmt: skip
# title, details, author, voters (indexes into CUSTOMERS), status, linked feature
IDEAS = (
    ("Dark mode for the dashboards", "Our analysts work late; the white background hurts.", 0,
     (1, 2, 3), "planned", "Dark mode"),
    ("Single sign-on with Okta", "IT will not approve another password.", 3, (0, 4), "under_review",
     "Single sign-on (SAML)"),
    ("Slack alert when a KPI drops", "", 1, (0, 2, 4), "in_progress", "Slack alerts"),
    ("Export charts to PowerPoint", "For the monthly board deck.", 2, (), "under_review", ""),
    ("Scheduled PDF reports by e-mail", "Every Monday morning to the leadership list.", 4, (0, 1),
     "shipped", "Scheduled e-mail reports"),
)  # fmt: skip
COMMENTS = (
    (0, 2, "Yes please, and a high-contrast option too."),
    (2, 0, "Would love it per channel, not only one channel."),
)


def load(access: Access) -> None:
    update_portal(access, {
        "enabled": True, "title": "Acme Analytics ideas", "moderation": False,
        "intro": "Tell us what would make Acme Analytics better for you. Vote for the ideas you "
                 "want most; we read every one and post updates here.",
    })  # fmt: skip
    for name, domain, segment, revenue in COMPANIES:
        create_company(access, name, domain=domain, segment=segment, revenue=revenue)
    people = [customer_for(access, {"name": name, "email": email}) for name, email in CUSTOMERS]
    slug = access.workspace.slug
    visits = [open_portal(slug, person, f"demo:{person.email}") for person in people if person]
    made: list[Idea] = []
    for title, details, author, voters, status, feature in IDEAS:
        idea = ideas.submit_idea(visits[author], title, details)
        for index in voters:
            ideas.vote(visits[index], idea)
        team.set_status(access, idea, status, notify=False)
        if feature:
            ref = Feature.objects.get(workspace=access.workspace, title=feature).ref
            team.link_feature(access, idea, ref)
        made.append(idea)
    for idea_index, who, text in COMMENTS:
        ideas.comment(visits[who], made[idea_index], text)
    team.reply(
        access, made[0], "Dark mode is planned for Q1 2027. Thanks for the votes!", notify=False
    )
    team.vote_on_behalf(access, made[3], {"email": "cfo@globex.example", "name": "Carla CFO"})
    update_portal(access, {"moderation": True})
    visit = open_portal(slug, people[2], "demo:moderation")
    ideas.submit_idea(visit, "Dark theme for the dashboard", "Easier on the eyes at night.")
    ideas.comment(visit, made[1], "Azure AD too, please.")
