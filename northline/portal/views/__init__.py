"""Pages of the portal: the public side customers use (`public`, under /p/<slug>/) and the
team's side (`team`, under /w/<slug>/portal/)."""
