"""Background tasks: each takes an id, loads the row and calls a service."""

from django_tasks import task

from microblog.request_id import current_request_id
from posts import services


@task()
def export_posts_task(job_id: int, request_id: str = "-") -> None:
    """Run export job `job_id` (see posts.services.run_export), logging under `request_id`.

    `request_id` is the id of the request that started the export: the job's log lines
    carry it, like the lines of that request.
    """
    token = current_request_id.set(request_id)
    try:
        services.run_export(job_id=job_id)
    finally:
        current_request_id.reset(token)
