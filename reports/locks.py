"""Keys of the PostgreSQL advisory locks taken by reports jobs (one place, so they never collide)."""

KPI_SNAPSHOT_LOCK = 7_310_800_001
