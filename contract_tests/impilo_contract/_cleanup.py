"""What the run leaves behind: every webhook it registered is deleted at the end, on every target.

These deletes are not counted against the write cap: a capped run must still clean up after itself.
"""

from __future__ import annotations

from impilo_spec import operation

from ._checks import DELETE_WEBHOOK
from ._context import Context, RequestFailed


def delete_webhooks(ctx: Context) -> list[int]:
    """Delete every webhook this run created and has not deleted yet; returns those that would not go."""
    run = ctx.run
    with run.lock:
        left = [w for w in run.created_webhooks if w not in run.deleted_webhooks]
    if not left:
        return []
    _, template = operation("deleteWebhook")
    failed = []
    for webhook_id in left:
        path = template.replace("{webhookId}", str(webhook_id))
        try:
            answer = ctx.request(
                "DELETE", path, operation=DELETE_WEBHOOK, path_parameters={"webhookId": webhook_id}, counted=False
            )
        except RequestFailed:
            failed.append(webhook_id)
            continue
        if answer.ok or answer.status == 404:
            with run.lock:
                run.deleted_webhooks.add(webhook_id)
        else:
            failed.append(webhook_id)
    return failed


def report_webhooks(ctx: Context, failed: list[int]) -> None:
    created = len(ctx.run.created_webhooks)
    if failed:
        ctx.note(
            f"{len(failed)} of the {created} webhook(s) this run created could not be deleted: {failed}; "
            "delete them by hand"
        )
    elif created:
        ctx.note(f"the {created} webhook(s) this run created were all deleted")
