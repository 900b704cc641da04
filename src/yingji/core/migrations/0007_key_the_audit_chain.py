"""Key an existing audit chain: every entry hashed again with HMAC-SHA256 under the chain's key.

Entries written before this version were hashed with plain SHA-256, which anyone with the database
could recompute. The chain is verified as it was, hashed again under the key (created now, outside
the database, if there is none) and an `audit.chain_rekeyed` entry records how many entries and the
head's old hash (decision 0027). A chain that does not verify is not keyed: the migration stops.
"""

from django.db import migrations


def key_existing_chain(apps, schema_editor):
    from yingji.core import audit

    AuditEntry = apps.get_model("core", "AuditEntry")
    AuditChainHead = apps.get_model("core", "AuditChainHead")
    if not AuditEntry.objects.exists():
        return  # a new database: the chain starts keyed
    audit.rekey_chain(
        None,
        audit.chain_key(),
        actor="yingji migrate",
        entry_model=AuditEntry,
        head_model=AuditChainHead,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0006_login_attempts_and_passwords"),
    ]

    operations = [
        migrations.RunPython(key_existing_chain, migrations.RunPython.noop),
    ]
