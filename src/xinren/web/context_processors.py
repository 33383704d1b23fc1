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
    return {"xinren_version": __version__, "can": can}
