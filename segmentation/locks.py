"""Keys of the PostgreSQL advisory locks taken by segmentation jobs (one place, so they never collide)."""

# Keeps two metrics refreshes (the nightly task and a run's first step) from running at once.
METRICS_REFRESH_LOCK = 7_310_420_001

# Serialises the creation of runs (check that none is under way, then create one).
RUN_CREATE_LOCK = 7_310_420_002
