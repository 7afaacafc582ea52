"""Indexes of the churn scores for the lists at a million customers (issue #10).

- ``churn_score_risk_order`` (risk DESC, customer): the at-risk list, riskiest first, is an index walk that
  stops after a page of visible customers, instead of a sort of every at-risk score.
- ``churn_score_band_risk_cust`` (band, risk DESC, customer) replaces ``churn_score_band_risk`` (band, risk
  DESC) and the single-column band index (and its ``varchar_pattern_ops`` twin, for LIKE, which nothing
  uses): one band in risk order, and a band's customers as an index-only scan (the customer list's risk
  filter, the band counts).
- ``churn_score_wastage_spend`` (spend_12m DESC, customer) WHERE band IN (high, lost): the wastage list's
  order, highest spend first.

The new indexes are created before the old ones are dropped. Then, on PostgreSQL, ``VACUUM (ANALYZE)`` of
the table: the scoring job writes it in bulk (migration-time scores were never analysed where autovacuum
lags or is off), and an index-only scan needs the visibility map that VACUUM sets. The scoring job does the
same after each run (``churn.services.scoring``). Not atomic, since VACUUM cannot run in a transaction.
"""

from django.db import migrations, models


def vacuum_analyze(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    if schema_editor.connection.in_atomic_block:  # e.g. a migration run inside a test's transaction
        schema_editor.execute("ANALYZE churn_customerscore")
    else:
        schema_editor.execute("VACUUM (ANALYZE) churn_customerscore")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("churn", "0004_playbook_roles"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="customerscore",
            index=models.Index(fields=["-risk", "customer"], name="churn_score_risk_order"),
        ),
        migrations.AddIndex(
            model_name="customerscore",
            index=models.Index(fields=["band", "-risk", "customer"], name="churn_score_band_risk_cust"),
        ),
        migrations.AddIndex(
            model_name="customerscore",
            index=models.Index(
                condition=models.Q(("band__in", ["high", "lost"])),
                fields=["-spend_12m", "customer"],
                name="churn_score_wastage_spend",
            ),
        ),
        migrations.RemoveIndex(
            model_name="customerscore",
            name="churn_score_band_risk",
        ),
        migrations.AlterField(
            model_name="customerscore",
            name="band",
            field=models.CharField(
                choices=[("low", "Low risk"), ("watch", "Watch"), ("high", "High risk"), ("lost", "Lost")],
                max_length=8,
                verbose_name="band",
            ),
        ),
        migrations.RunPython(vacuum_analyze, migrations.RunPython.noop, elidable=True),
    ]
