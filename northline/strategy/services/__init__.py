"""Domain verbs of strategy, one module per concept: vision (products, the board and its
versions), sharing (read-only links), objectives (objectives, key results, check-ins) and
alignment (links to planning's features, the map and the gaps report).

`PHRASES` says how the activity feed reads each verb these modules record.
"""

from __future__ import annotations

PHRASES: dict[str, str] = {
    "product.created": "added the product",
    "product.updated": "changed the product",
    "product.deleted": "deleted the product",
    "vision.edited": "edited the vision of",
    "vision.restored": "restored an earlier vision of",
    "share_link.created": "created a share link for",
    "share_link.revoked": "revoked a share link of",
    "objective.created": "added the objective",
    "objective.updated": "changed the objective",
    "objective.deleted": "deleted the objective",
    "key_result.created": "added the key result",
    "key_result.updated": "changed the key result",
    "key_result.deleted": "deleted the key result",
    "key_result.checked_in": "checked in on",
    "objective.linked": "linked work to the objective",
    "objective.unlinked": "unlinked work from the objective",
}
