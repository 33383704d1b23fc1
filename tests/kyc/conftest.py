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
