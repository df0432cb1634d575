"""Domain verbs of the portal, one module per concept: the portal's settings and who may see it
(`portal`), customers' sign-in (`signin`), rate limits and the honeypot (`antispam`), ideas with
their votes, comments and follows (`ideas`), similar ideas (`similar`), moderation, and what the
team does for customers (`team`).

`PHRASES` says how the activity feed reads each verb these modules record.
"""

from __future__ import annotations

PHRASES: dict[str, str] = {
    "portal.created": "set up the portal",
    "portal.updated": "changed the portal settings of",
    "portal.customer_invited": "invited a customer to the portal",
    "idea.submitted": "(a portal customer) posted the idea",
    "idea.approved": "approved the idea",
    "idea.rejected": "rejected the idea",
    "idea.merged": "merged the idea",
    "idea.status_changed": "changed the status of the idea",
    "idea.replied": "replied officially to the idea",
    "idea.voted_on_behalf": "voted on behalf of a customer for",
    "idea.vote_removed": "removed a vote from",
    "comment.approved": "approved a comment on",
    "comment.rejected": "rejected a comment on",
}
