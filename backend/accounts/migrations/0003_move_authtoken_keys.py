"""Existing DRF tokens become personal API tokens: their keys keep working (only the sha256 is
kept now) and the plaintext rows of rest_framework.authtoken are removed."""

import hashlib

from django.db import migrations


def forwards(apps, schema_editor):
    Token = apps.get_model("authtoken", "Token")
    ApiToken = apps.get_model("accounts", "ApiToken")
    for token in Token.objects.all().iterator():
        ApiToken.objects.create(
            user_id=token.user_id,
            name="API token",
            key_prefix=token.key[:8],
            key_hash=hashlib.sha256(token.key.encode()).hexdigest(),
        )
    Token.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_api_tokens"),
        ("authtoken", "0004_alter_tokenproxy_options"),
    ]

    # Irreversible on purpose: the plaintext keys are gone once hashed.
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
