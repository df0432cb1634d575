"""The JSON API: /api/v1/..., OpenAPI at /api/openapi.json, interactive docs at /api/docs."""

from __future__ import annotations

from ninja import NinjaAPI

from northline.accounts.api import router as accounts_router
from northline.core.api import authenticate, install_error_handlers
from northline.insights.api import router as insights_router
from northline.insights.api_text import router as processing_router
from northline.insights.import_api import router as imports_router
from northline.metrics.api import router as metrics_router
from northline.planning.api import router as planning_router
from northline.portal.api import router as portal_router
from northline.strategy.api import router as strategy_router

api = NinjaAPI(
    title="Northline API",
    version="1",
    description=(
        "Authenticate with `Authorization: Bearer <token>` (create tokens under Settings → "
        "API tokens) or a browser session with the X-CSRFToken header on writes. Every error "
        'answers `{"ok": false, "error": "...", "errors": ["field: message"], "status": N}`.'
    ),
    auth=authenticate,
    urls_namespace="api",
)
install_error_handlers(api)
api.add_router("/v1/", accounts_router)
api.add_router("/v1/", planning_router)
# before insights: its /feedback/similar would otherwise read as /feedback/{feedback_id}
api.add_router("/v1/", processing_router)
api.add_router("/v1/", insights_router)
api.add_router("/v1/", portal_router)
api.add_router("/v1/", strategy_router)
api.add_router("/v1/", metrics_router)
api.add_router("/v1/", imports_router)
