from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("inbox", "0012_collaboration"),
    ]

    operations = [
        migrations.AddField(
            model_name="send",
            name="scheduled_zone",
            field=models.CharField(blank=True, max_length=64),
        ),
    ]
