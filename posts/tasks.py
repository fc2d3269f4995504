"""Background tasks: each takes an id, loads the row and calls a service."""

from django_tasks import task

from posts import services


@task()
def export_posts_task(job_id: int) -> None:
    """Run export job `job_id` (see posts.services.run_export)."""
    services.run_export(job_id=job_id)
