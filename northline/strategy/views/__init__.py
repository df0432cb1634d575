"""Pages of strategy, one module per concept; each module exposes `urlpatterns`."""
