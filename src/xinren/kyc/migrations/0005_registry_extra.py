# The registry and lawsuits checks (two new CheckCode choices); no schema change. Numbered
# 0005 because 0004 is the upload link's (built in parallel): whoever lands second adds the
# merge migration.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("kyc", "0003_registry"),
    ]

    operations = [
        migrations.AlterField(
            model_name="applicationcheck",
            name="code",
            field=models.CharField(
                choices=[
                    ("documents", "证照齐全且在有效期内"),
                    ("uscc_match", "统一社会信用代码与执照一致"),
                    ("watch_lists", "名单筛查"),
                    ("references", "推荐人核实"),
                    ("registry", "工商登记核验"),
                    ("lawsuits", "涉诉情况"),
                ],
                max_length=12,
                verbose_name="核查项",
            ),
        ),
    ]
