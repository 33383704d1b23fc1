from xinren import __version__
from xinren.orgs.access import has_action


def xinren(request):
    user = getattr(request, "user", None)
    can = {}
    if user is not None and user.is_authenticated:
        for action in (
            "view",
            "create",
            "edit",
            "delete",
            "export",
            "approve",
            "merge",
            "configure",
        ):
            can[action] = has_action(user, action)
    return {"xinren_version": __version__, "can": can, "nav": _section(request.path)}


_SECTIONS = [
    ("/admin/org/", "org"),
    ("/admin/users/", "users"),
    ("/admin/roles/", "roles"),
    ("/admin/cadence/", "cadence"),
    ("/customers/", "customers"),
    ("/accounts/", "customers"),
    ("/contacts/", "customers"),
]


def _section(path: str) -> str:
    """Which navigation item is current (views may still pass their own ``nav``)."""
    return next((name for prefix, name in _SECTIONS if path.startswith(prefix)), "")
