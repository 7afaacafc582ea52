"""On PostgreSQL the database itself guards the ledgers; the roles get the new permissions."""

from django.db import migrations

from crm_site import roles

TRIGGERS = """
CREATE OR REPLACE FUNCTION privacy_refuse() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' is append-only';
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION privacy_notice_published_frozen() RETURNS trigger AS $$
BEGIN
    IF OLD.published_at IS NOT NULL THEN
        RAISE EXCEPTION 'a published notice cannot be changed or deleted';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER privacy_notice_frozen BEFORE UPDATE OR DELETE ON privacy_notice
    FOR EACH ROW EXECUTE FUNCTION privacy_notice_published_frozen();

-- Consent events: never deleted; what they say never changes. A merge may move one to the
-- surviving record (customer_id) and erasure may blank the note and the evidence.
CREATE OR REPLACE FUNCTION privacy_consentevent_frozen() RETURNS trigger AS $$
BEGIN
    IF (OLD.batch, OLD.purpose, OLD.subject_class, OLD.channel, OLD.data_kinds::text, OLD.transferee_class,
        OLD.for_gain, OLD.action, OLD.method, OLD.occurred_at, OLD.recorded_at, OLD.recorded_by_id, OLD.notice_id)
       IS DISTINCT FROM
       (NEW.batch, NEW.purpose, NEW.subject_class, NEW.channel, NEW.data_kinds::text, NEW.transferee_class,
        NEW.for_gain, NEW.action, NEW.method, NEW.occurred_at, NEW.recorded_at, NEW.recorded_by_id, NEW.notice_id)
    THEN
        RAISE EXCEPTION 'privacy_consentevent is append-only';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER privacy_consentevent_frozen BEFORE UPDATE ON privacy_consentevent
    FOR EACH ROW EXECUTE FUNCTION privacy_consentevent_frozen();
CREATE TRIGGER privacy_consentevent_no_delete BEFORE DELETE ON privacy_consentevent
    FOR EACH ROW EXECUTE FUNCTION privacy_refuse();

CREATE OR REPLACE FUNCTION privacy_oralconfirmation_frozen() RETURNS trigger AS $$
BEGIN
    IF (OLD.batch, OLD.sent_at) IS DISTINCT FROM (NEW.batch, NEW.sent_at) THEN
        RAISE EXCEPTION 'privacy_oralconfirmation is append-only';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER privacy_oralconfirmation_frozen BEFORE UPDATE ON privacy_oralconfirmation
    FOR EACH ROW EXECUTE FUNCTION privacy_oralconfirmation_frozen();
CREATE TRIGGER privacy_oralconfirmation_no_delete BEFORE DELETE ON privacy_oralconfirmation
    FOR EACH ROW EXECUTE FUNCTION privacy_refuse();

CREATE TRIGGER privacy_suppression_append_only BEFORE UPDATE OR DELETE ON privacy_suppression
    FOR EACH ROW EXECUTE FUNCTION privacy_refuse();

-- s.27: log-book entries are never changed, and kept at least 4 years.
CREATE OR REPLACE FUNCTION privacy_logbook_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' OR OLD.entered_at > now() - interval '4 years' THEN
        RAISE EXCEPTION 'log-book entries are kept unchanged for at least 4 years';
    END IF;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER privacy_logbookentry_guard BEFORE UPDATE OR DELETE ON privacy_logbookentry
    FOR EACH ROW EXECUTE FUNCTION privacy_logbook_guard();
"""

DROP = """
DROP TRIGGER IF EXISTS privacy_notice_frozen ON privacy_notice;
DROP TRIGGER IF EXISTS privacy_consentevent_frozen ON privacy_consentevent;
DROP TRIGGER IF EXISTS privacy_consentevent_no_delete ON privacy_consentevent;
DROP TRIGGER IF EXISTS privacy_oralconfirmation_frozen ON privacy_oralconfirmation;
DROP TRIGGER IF EXISTS privacy_oralconfirmation_no_delete ON privacy_oralconfirmation;
DROP TRIGGER IF EXISTS privacy_suppression_append_only ON privacy_suppression;
DROP TRIGGER IF EXISTS privacy_logbookentry_guard ON privacy_logbookentry;
DROP FUNCTION IF EXISTS privacy_refuse();
DROP FUNCTION IF EXISTS privacy_notice_published_frozen();
DROP FUNCTION IF EXISTS privacy_consentevent_frozen();
DROP FUNCTION IF EXISTS privacy_oralconfirmation_frozen();
DROP FUNCTION IF EXISTS privacy_logbook_guard();
"""

CONSENT_STAFF = [
    "privacy.record_consent",
    "privacy.view_consentevent",
    "privacy.view_contact_list",
    "privacy.view_notice",
]
GRANTS = {
    roles.ACCOUNT_MANAGER: CONSENT_STAFF,
    roles.SUPERVISOR: CONSENT_STAFF,
    roles.ADMIN: ["privacy.view_consentevent", "privacy.view_notice"],
    roles.PRIVACY_OFFICER: [
        *CONSENT_STAFF,
        "privacy.add_notice",
        "privacy.change_notice",
        "privacy.publish_notice",
        "privacy.handle_datarequest",
        "privacy.view_datarequest",
    ],
}


def triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRIGGERS)


def triggers_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


def grant(apps, schema_editor):
    roles.grant_role_permissions(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [("privacy", "0003_notices_consent_requests"), ("customers", "0002_roles")]

    operations = [
        migrations.RunPython(triggers, triggers_drop),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
