"""django-ninja names an OpenAPI component after its schema class: two classes of one name in
two packages silently share one component, and the published schema then describes one of
them wrongly (schemathesis found risk's ChangeOut standing in for the change history's)."""

from collections import defaultdict

from ninja import Schema

import xinren.api  # noqa: F401 - registers every router, importing every schema module


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_api_schema_class_has_its_own_name():
    by_name = defaultdict(set)
    for cls in _subclasses(Schema):
        if cls.__module__.startswith("xinren."):
            by_name[cls.__name__].add(cls.__module__)
    clashes = {name: mods for name, mods in by_name.items() if len(mods) > 1}
    assert clashes == {}
