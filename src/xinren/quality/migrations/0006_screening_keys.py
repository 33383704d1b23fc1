"""Screening's name match: company id in the name-key index; whether a company has a USCC,
back-filled from the master, with a small index of the customers without one."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0005_search_grams'),
        ('quality', '0005_merge_leaves'),
    ]

    operations = [
        migrations.AddField(
            model_name='companykey',
            name='has_uscc',
            field=models.BooleanField(default=False),
        ),
        migrations.RunSQL(
            "UPDATE quality_companykey SET has_uscc = TRUE WHERE company_id IN"
            " (SELECT id FROM customers_company WHERE uscc IS NOT NULL AND uscc <> '')",
            migrations.RunSQL.noop,
            elidable=True,
        ),
        migrations.AlterField(
            model_name='companykey',
            name='name_key',
            field=models.CharField(max_length=64),
        ),
        migrations.AddIndex(
            model_name='companykey',
            index=models.Index(fields=['name_key', 'company'], name='quality_key_name'),
        ),
        migrations.AddIndex(
            model_name='companykey',
            index=models.Index(condition=models.Q(('has_uscc', False)), fields=['name_key', 'company', 'has_uscc'], name='quality_key_name_uncoded'),
        ),
    ]
