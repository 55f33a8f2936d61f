from __future__ import annotations

from flask import Blueprint
from flask_login import current_user

from app.rendering import render
from app.services import tasks as service

bp = Blueprint("tasks", __name__)


@bp.get("/tasks")
def index():
    """The signed-in person's tasks, by kind, each linking to where it is done."""
    sections = service.tasks_for(current_user)
    return render(
        "tasks/index.html",
        sections=sections,
        total=sum(task.count for section in sections for task in section.tasks),
    )
