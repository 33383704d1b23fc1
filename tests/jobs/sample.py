"""Job functions for the tests (what an import would look like)."""


def count_to(n: int, on_progress) -> dict:
    for i in range(1, n + 1):
        on_progress(i, n)
    return {"counted": n}


def broken(on_progress) -> None:
    on_progress(1, 3)
    raise ValueError("第 2 行：金额格式错误")
