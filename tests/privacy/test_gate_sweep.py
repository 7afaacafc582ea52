"""No module outside privacy chooses whom to contact by reading consent itself: they call
``privacy.selectors.contactable()``. The sweep reads every project module's source (AST)."""

import ast
import re
from pathlib import Path

from django.apps import apps
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
LEDGER_NAMES = {"ConsentEvent", "OralConfirmation", "Suppression", "consent_events", "oral_confirmations"}
LEDGER_STRINGS = re.compile(r"consent_?events?|oral_?confirmations?|\bprivacy_(suppression|consentevent)\b", re.I)
CONSENT_FIELD = re.compile(r"consent|opt_?out|unsubscri|do_not_(contact|call|mail)|marketing_ok|dm_ok", re.I)


def project_modules():
    for path in sorted(ROOT.glob("*/**/*.py")):
        parts = path.relative_to(ROOT).parts
        if parts[0] in {"privacy", "tests", ".venv", "node_modules", "bench"} or "migrations" in parts:
            continue
        yield path


def ledger_references(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name) and node.id in LEDGER_NAMES:
            found.append(node.id)
        elif isinstance(node, ast.Attribute) and node.attr in LEDGER_NAMES:
            found.append(node.attr)
        elif isinstance(node, ast.alias) and node.name.split(".")[-1] in LEDGER_NAMES:
            found.append(node.name)
        elif isinstance(node, ast.keyword) and node.arg and LEDGER_STRINGS.search(node.arg):
            found.append(node.arg)  # e.g. .filter(consent_events__action="granted")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and LEDGER_STRINGS.search(node.value):
            found.append(node.value)
    return found


def test_no_module_outside_privacy_reads_the_consent_ledger():
    offenders = {}
    for path in project_modules():
        refs = ledger_references(path.read_text(encoding="utf-8"))
        if refs:
            offenders[str(path.relative_to(ROOT))] = refs
    assert offenders == {}, f"choose recipients with privacy.selectors.contactable(): {offenders}"


def test_no_model_outside_privacy_keeps_its_own_consent_flag():
    flags = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        if model._meta.app_label != "privacy"
        for field in model._meta.get_fields()
        if field.concrete and CONSENT_FIELD.search(field.name)
    ]
    assert flags == [], f"consent lives in the privacy ledger only: {flags}"


def test_the_sweep_reads_the_apps_and_catches_a_bypass():
    names = {path.relative_to(ROOT).parts[0] for path in project_modules()}
    assert {"customers", "crm_site"} <= names
    bypass = (
        "from privacy.models import ConsentEvent\n"
        "Customer.objects.filter(consent_events__action='granted')\n"
        "cursor.execute('select * from privacy_consentevent')\n"
    )
    assert ledger_references(bypass) == ["ConsentEvent", "consent_events__action", "select * from privacy_consentevent"]
    assert ledger_references("contactable(purpose='direct_marketing', subject_class='events', channel='sms')") == []
