import pytest

from tests import factories


@pytest.fixture
def configurer(org):
    return factories.make_user(org.hq, "group_admin", username="listadmin")


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8", bom: bool = False) -> bytes:
    text = "\r\n".join(",".join(r) for r in rows) + "\r\n"
    data = text.encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


HEADER = ["被执行人名称", "统一社会信用代码", "失信情形", "执行法院", "立案日期"]


def register(
    company=None,
    *,
    uscc: str = "",
    name: str = "",
    source: str = "测试登记数据",
    as_of=None,
    **fields,
):
    """A registry record (what 工商登记 says) for ``company`` or for the given USCC and name:
    存续, the company's legal representative, no lawsuits unless overridden."""
    from django.utils import timezone

    from xinren.kyc.models import RegistryRecord, RegistrySnapshot
    from xinren.standards.names import name_key

    snap = RegistrySnapshot.objects.create(
        source=source, as_of=as_of or timezone.localdate(), imported_at=timezone.now()
    )
    name = name or company.name
    values = {
        "legal_rep": company.legal_rep if company is not None else "",
        "status": "active",
        "shareholders": [],
        "lawsuit_count": 0,
        **fields,
    }
    return RegistryRecord.objects.create(
        uscc=uscc or company.uscc, name=name, name_key=name_key(name), snapshot=snap, **values
    )
