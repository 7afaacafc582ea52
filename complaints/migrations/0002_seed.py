"""Seed the complaint categories, root causes, SLA policies and reply templates; grant role permissions.

Admins change all of these in the admin afterwards; seeding again creates only what is missing.
"""

from django.db import migrations

from crm_site import roles

CATEGORIES = [
    # code, English, Chinese, personal data
    ("product_defect", "Product defect", "產品缺陷", False),
    ("repair_delay", "Servicing or repair delay", "維修或保養延誤", False),
    ("authenticity", "Authenticity concern", "真偽疑慮", False),
    ("warranty", "Warranty dispute", "保養爭議", False),
    ("pricing", "Pricing or billing", "價格或收費", False),
    ("staff_conduct", "Staff conduct", "員工態度", False),
    ("delivery", "Delivery", "送貨", False),
    ("personal_data", "Personal data", "個人資料", True),
]
ROOT_CAUSES = [
    ("manufacturing", "Manufacturing fault", "生產缺陷"),
    ("workshop_capacity", "Workshop capacity or parts shortage", "維修中心產能或零件短缺"),
    ("supplier", "Supplier or brand service centre", "供應商或品牌服務中心"),
    ("staff_error", "Staff error", "員工失誤"),
    ("communication", "Communication gap", "溝通不足"),
    ("policy", "Policy or process", "政策或流程"),
    ("customer_expectation", "Customer expectation", "客戶期望"),
    ("logistics", "Logistics", "物流"),
    ("no_fault", "No fault found", "未發現問題"),
]
# severity: (acknowledge, resolve) in business hours
POLICIES = {"low": (16, 80), "medium": (8, 40), "high": (4, 16), "critical": (1, 8)}
TEMPLATES = [
    (
        "acknowledge",
        "en",
        "We have received your complaint $reference",
        "Dear $customer,\n\nThank you for telling us about this. We have logged your complaint ($reference) "
        "at our $store store and will come back to you within one business day.\n\nKind regards",
    ),
    (
        "acknowledge",
        "zh-hant",
        "我們已收到您的投訴 $reference",
        "$customer 您好：\n\n感謝您的寶貴意見。我們已在$store分店登記您的投訴（編號 $reference），"
        "將於一個工作天內回覆您。\n\n謹致問候",
    ),
    (
        "awaiting",
        "en",
        "Your complaint $reference: a question for you",
        "Dear $customer,\n\nTo move your complaint ($reference) forward we need a little more information "
        "from you. Could you reply to this message or call our $store store?\n\nKind regards",
    ),
    (
        "awaiting",
        "zh-hant",
        "關於您的投訴 $reference：需要您的資料",
        "$customer 您好：\n\n為跟進您的投訴（編號 $reference），我們需要您提供更多資料。"
        "請回覆此訊息或致電我們的$store分店。\n\n謹致問候",
    ),
    (
        "resolve",
        "en",
        "Your complaint $reference is resolved",
        "Dear $customer,\n\n$summary\n\nAs a gesture of goodwill we offer you $goodwill. We are sorry for "
        "the trouble and thank you for your patience.\n\nKind regards",
    ),
    (
        "resolve",
        "zh-hant",
        "您的投訴 $reference 已處理",
        "$customer 您好：\n\n$summary\n\n為表歉意，我們向您提供 $goodwill。"
        "對於造成的不便，我們深表歉意，並感謝您的耐心。\n\n謹致問候",
    ),
]

VIEW = ["complaints.view_complaint", "complaints.view_complaintevent", "complaints.view_satisfactionsurvey"]
HANDLE = [*VIEW, "complaints.add_complaint", "complaints.change_complaint"]
SUPERVISE = [
    *HANDLE,
    "complaints.reassign_complaint",
    "complaints.approve_goodwill",
    "complaints.view_sla_compliance",
]
CONFIGURE = [
    f"complaints.{action}_{model}"
    for model in ("category", "rootcause", "openinghours", "slapolicy", "replytemplate")
    for action in ("view", "add", "change", "delete")
] + ["complaints.view_slarun"]
GRANTS = {
    roles.ACCOUNT_MANAGER: HANDLE,
    roles.SUPERVISOR: SUPERVISE,
    roles.ADMIN: [*SUPERVISE, *CONFIGURE],
    roles.PRIVACY_OFFICER: HANDLE,
}


def seed(apps, schema_editor):
    Category = apps.get_model("complaints", "Category")
    RootCause = apps.get_model("complaints", "RootCause")
    SlaPolicy = apps.get_model("complaints", "SlaPolicy")
    ReplyTemplate = apps.get_model("complaints", "ReplyTemplate")
    for position, (code, name, name_zh, personal) in enumerate(CATEGORIES):
        Category.objects.get_or_create(
            code=code,
            defaults={"name": name, "name_zh": name_zh, "is_personal_data": personal, "position": position},
        )
    for position, (code, name, name_zh) in enumerate(ROOT_CAUSES):
        RootCause.objects.get_or_create(code=code, defaults={"name": name, "name_zh": name_zh, "position": position})
    for severity, (acknowledge, resolve) in POLICIES.items():
        SlaPolicy.objects.get_or_create(
            severity=severity,
            category=None,
            defaults={"acknowledge_within_hours": acknowledge, "resolve_within_hours": resolve},
        )
    for purpose, language, subject, body in TEMPLATES:
        ReplyTemplate.objects.get_or_create(
            purpose=purpose, language=language, defaults={"subject": subject, "body": body}
        )


def grant(apps, schema_editor):
    roles.grant_role_permissions(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0001_initial"),
        ("customers", "0004_client_record_roles_and_intervals"),
    ]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
