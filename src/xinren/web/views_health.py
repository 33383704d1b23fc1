from django.db import connection
from django.http import JsonResponse


def healthz(request):
    """200 when the database answers, 503 otherwise (for load balancers and `make run`)."""
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
            cur.fetchone()
    except Exception as exc:  # noqa: BLE001 - any database failure means unhealthy
        return JsonResponse(
            {"status": "error", "database": str(exc.__class__.__name__)}, status=503
        )
    return JsonResponse({"status": "ok", "database": connection.vendor})
