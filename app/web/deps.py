"""FastAPI dependencies: the one GraphRunner of the app."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.graph.runner import GraphRunner


def get_runner(request: Request) -> GraphRunner:
    """The app's GraphRunner (created by create_app, closed at shutdown)."""
    runner: GraphRunner = request.app.state.runner
    return runner


RunnerDep = Annotated[GraphRunner, Depends(get_runner)]
