"""Domain verbs of insights, one module per concept: customers (and companies), feedback,
links (highlights and links to features), demand; `fields` and `bulk` are their shared checks.
Processing of the text: `processing` (the per-item pipeline and its settings), `similarity` (the
persistent index), `learning` (the classifiers), `retraining` (corrections), `themes`; their
verbs' phrases are `processing.PHRASES`.

`PHRASES` says how the activity feed reads each verb these modules record.
"""

from __future__ import annotations

PHRASES: dict[str, str] = {
    "company.created": "added the company",
    "company.updated": "changed the company",
    "company.deleted": "deleted the company",
    "company.imported": "imported companies into",
    "customer.created": "added the customer",
    "customer.updated": "changed the customer",
    "customer.deleted": "deleted the customer",
    "customer.imported": "imported customers into",
    "feedback.created": "added the feedback",
    "feedback.updated": "changed the feedback",
    "feedback.imported": "imported feedback into",
    "feedback.status_changed": "changed the status of the feedback",
    "feedback.assigned": "assigned the feedback",
    "feedback.archived": "archived the feedback",
    "feedback.highlighted": "highlighted a quote in",
    "feedback.highlight_removed": "removed a highlight from",
    "feedback.linked": "linked a feature to",
    "feedback.link_changed": "changed a feature link of",
    "feedback.unlinked": "unlinked a feature from",
}
