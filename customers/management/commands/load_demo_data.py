from django.core.management.base import BaseCommand, CommandError

from campaigns.demo import campaigns_demo_load
from churn import demo as churn_demo
from complaints.demo import complaints_demo_load
from crm_site import roles
from crm_site.models import User
from customers import demo
from customers.models import Customer
from privacy.demo import privacy_demo_load
from segmentation import demo as segmentation_demo


class Command(BaseCommand):
    help = (
        "Load the demo data set (3 Hong Kong stores, 15 staff, ~2,000 customers with three years of purchases, "
        "watches, service jobs, interactions, leads and relationships). "
        "Only when settings.DEMO_MODE is True; a second run changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--customers",
            type=int,
            default=demo.DEMO_CUSTOMERS,
            metavar="N",
            help=f"How many demo customers there should be (default {demo.DEMO_CUSTOMERS}).",
        )

    def handle(self, *args, **options):
        try:
            result = demo.demo_data_load(customers=options["customers"])
        except demo.DemoDataRefused as exc:
            raise CommandError(str(exc)) from exc
        privacy_rows = _privacy_demo_load(customers=options["customers"])
        if privacy_rows:
            self.stdout.write(self.style.SUCCESS(f"Privacy: {privacy_rows}."))
        if result.nothing_done:
            self.stdout.write("Nothing to do: the demo data is already loaded.")
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Created {result.customers_created} customers, {result.users_created} users "
                    f"and {result.stores_created} stores."
                )
            )
            rows = [
                f"{count} {model._meta.verbose_name_plural}" for model, count in result.rows_created.items() if count
            ]
            if rows:
                listed = ", ".join(rows[:-1]) + " and " + rows[-1] if len(rows) > 1 else rows[0]
                self.stdout.write(self.style.SUCCESS(f"Created {listed}."))
            self.stdout.write(f"History up to {demo.DEMO_TODAY:%d %B %Y}, the demo's fixed today.")
        complaints = complaints_demo_load()
        if complaints.complaints:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Created {complaints.complaints} complaints ({complaints.events} events, "
                    f"{complaints.surveys} surveys): open, overdue, escalated and closed."
                )
            )
        classification = segmentation_demo.demo_segmentation_load()
        if classification.criteria_created or classification.tiers_created or classification.run:
            run = classification.run
            self.stdout.write(
                self.style.SUCCESS(
                    f"Segmentation: {classification.criteria_created} criteria, {classification.tiers_created} tiers"
                    + (f", run #{run.pk} {run.status}." if run else ".")
                )
            )
        remedies = churn_demo.demo_playbooks_ensure()  # scores as of 120 days ago, then as of the demo's today
        if remedies is not None:
            self.stdout.write(churn_demo.demo_scores_summary(remedies["run"]))
            self.stdout.write(churn_demo.demo_playbooks_summary(remedies))
        churn_run = churn_demo.demo_scores_ensure()
        if churn_run is not None:
            self.stdout.write(churn_demo.demo_scores_summary(churn_run))
        campaigns = campaigns_demo_load()
        if campaigns.points_entries or campaigns.campaign or campaigns.event:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Campaigns: {campaigns.points_entries} loyalty points entries"
                    + (f", campaign '{campaigns.campaign}' sent with a control group" if campaigns.campaign else "")
                    + (f", event '{campaigns.event}' with invitations and attendance" if campaigns.event else "")
                    + "."
                )
            )
        self.stdout.write(f"\nDemo logins (password for all: {demo.DEMO_PASSWORD}):")
        stores = {store.code: store.name for store in demo.DEMO_STORES}
        for user in demo.DEMO_USERS:
            self.stdout.write(
                f"  {user.username:<15} {user.first_name + ' ' + user.last_name:<16} "
                f"{roles.ROLE_LABELS[user.role]!s:<17} {stores[user.store_code]}"
            )


def _privacy_demo_load(*, customers: int) -> dict:
    """Published notices, consent events, requests (privacy imports no other app: it is given the people)."""
    officer = User.objects.filter(username="dpo.central").first()
    if officer is None:
        return {}
    demo_customers = list(
        Customer.objects.filter(external_ref__startswith=demo.DEMO_REF_PREFIX)
        .select_related("account_manager")
        .order_by("external_ref")[:customers]
    )
    return privacy_demo_load(officer=officer, customers=demo_customers, today=demo.DEMO_TODAY)
