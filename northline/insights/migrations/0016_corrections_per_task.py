"""Corrections counted per task: one counter for type and sentiment together started the
retraining of whichever task the fifth correction was of. The old count becomes the type's
(most corrections are of types); a sentiment count starts at 0."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("insights", "0015_feedback_stored_words")]

    operations = [
        migrations.RenameField("textsettings", "corrections_since_training", "type_corrections"),
        migrations.AddField(
            "textsettings", "sentiment_corrections", models.PositiveIntegerField(default=0)
        ),
    ]
