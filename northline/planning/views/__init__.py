"""Pages of planning, one module per concept; each module exposes `urlpatterns`."""
