"""Domain verbs of planning, one module per concept; the one place that changes planning state."""
