from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "yizhan.core"
    label = "core"
    verbose_name = "Yizhan core"

    def ready(self) -> None:
        from django.tasks.signals import task_finished, task_started

        from yizhan.core import heartbeat, reminders

        task_started.connect(heartbeat.on_task_started, dispatch_uid="yizhan-heartbeat")
        task_finished.connect(heartbeat.on_task_finished, dispatch_uid="yizhan-heartbeat")
        reminders.register(
            "interrupted tasks", lambda now: heartbeat.sweep_interrupted(now), order=5
        )
        if heartbeat.running_as_worker():
            heartbeat.start_heartbeat()
