"""The data access export (s.18/s.19): a ZIP with a readable HTML page and machine-readable JSON,
built by walking the personal-data registry, so every registered model appears in it.

Other people's personal data is left out: a link to another customer shows as "another person",
and rows that the registry says are about someone else (``export_own_path``) show only their id.
"""

import io
import json
import zipfile
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.template.loader import render_to_string
from django.utils import timezone

from privacy.contact import subject_model
from privacy.registry import registry

OTHER_PERSON = "(another person)"


def _other_subject_fields(model) -> list[str]:
    subject = subject_model()
    return [f.attname for f in model._meta.concrete_fields if f.is_relation and f.related_model is subject]


def _clean(value):
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, date | Decimal):
        return str(value)
    return value


def access_export_data(*, customer_id: int) -> dict:
    """{model label: {"description", "category", "rows": [...]}} for every registered model."""
    sections = {}
    for registration in registry:
        rows = registration.export_rows(customer_id)
        links = _other_subject_fields(registration.model)
        if registration.model is subject_model():
            links = [name for name in links if name != "id"]
        own = set()
        if registration.export_own_path:
            own = set(
                registration.rows_for(customer_id)
                .filter(**{registration.export_own_path: customer_id})
                .values_list("pk", flat=True)
            )
        cleaned = []
        for row in rows:
            if registration.export_own_path and row.get("id") not in own:
                cleaned.append({"id": row.get("id"), "note": OTHER_PERSON})
                continue
            row = {key: _clean(value) for key, value in row.items()}
            for name in links:
                if row.get(name) not in (None, customer_id):
                    row[name] = OTHER_PERSON
            cleaned.append(row)
        sections[registration.label] = {
            "name": str(registration.model._meta.verbose_name_plural),
            "category": registration.category,
            "description": registration.description,
            "rows": cleaned,
        }
    return sections


def access_export_zip(*, customer_id: int, request_id: int | None = None) -> bytes:
    data = access_export_data(customer_id=customer_id)
    generated = timezone.localtime()
    payload = {
        "customer_id": customer_id,
        "request_id": request_id,
        "generated_at": generated.isoformat(),
        "data": data,
    }
    html = render_to_string(
        "privacy/access_export.html",
        {"sections": data, "generated": generated, "customer_id": customer_id, "request_id": request_id},
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("personal-data.html", html)
        archive.writestr("personal-data.json", json.dumps(payload, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2))
        archive.writestr(
            "README.txt",
            f"Personal data held by {getattr(settings, 'CRM_BUSINESS_NAME', 'us')} about customer #{customer_id}, "
            f"generated {generated:%Y-%m-%d %H:%M} (Hong Kong time).\n"
            "personal-data.html is for reading; personal-data.json holds the same data for machines.\n",
        )
    return buffer.getvalue()
